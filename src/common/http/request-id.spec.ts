import type { Request, Response } from 'express';
import { newRequestId, requestIdMiddleware } from './request-id';

function run(incoming?: string) {
  const req = { header: (name: string) => (name.toLowerCase() === 'x-request-id' ? incoming : undefined) } as unknown as Request;
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response;
  const next = jest.fn();
  requestIdMiddleware(req, res, next);
  return { req, headers, next };
}

const GENERATED = /^req_[A-Za-z0-9_-]{16}$/;

describe('newRequestId', () => {
  it('is req_ and 16 base64url characters, different each time', () => {
    expect(newRequestId()).toMatch(GENERATED);
    expect(newRequestId()).not.toBe(newRequestId());
  });
});

describe('requestIdMiddleware', () => {
  it.each([
    'abc-123',
    'trace.id:span_7',
    'x'.repeat(128),
    'A',
  ])('keeps the sane incoming X-Request-ID %j and echoes it', (incoming) => {
    const { req, headers, next } = run(incoming);
    expect(req.requestId).toBe(incoming);
    expect(headers['X-Request-ID']).toBe(incoming);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['contains spaces', 'has spaces in it'],
    ['is 129 characters', 'x'.repeat(129)],
    ['contains a newline', 'abc\ndef'],
    ['contains a slash', 'a/b'],
    ['is empty', ''],
    ['is absent', undefined],
  ])('replaces an X-Request-ID that %s with a generated one', (_label, incoming) => {
    const { req, headers, next } = run(incoming);
    expect(req.requestId).toMatch(GENERATED);
    expect(headers['X-Request-ID']).toBe(req.requestId);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it('records when the request started', () => {
    expect(typeof run('abc').req.startedAt).toBe('bigint');
  });
});
