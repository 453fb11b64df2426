import type { NextFunction, Request, Response } from 'express';
import { AppError } from './error-codes';
import { jsonDepthAfterParse, jsonDepthBeforeParse, jsonTextNestsDeeperThan, MAX_JSON_DEPTH, valueNestsDeeperThan } from './json-depth';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('jsonTextNestsDeeperThan', () => {
  it('counts objects and arrays alike, up to the limit included', () => {
    expect(jsonTextNestsDeeperThan(bytes('{}'), 1)).toBe(false);
    expect(jsonTextNestsDeeperThan(bytes('{"a":[]}'), 1)).toBe(true);
    expect(jsonTextNestsDeeperThan(bytes('{"a":[]}'), 2)).toBe(false);
    expect(jsonTextNestsDeeperThan(bytes(nested(64)), 64)).toBe(false);
    expect(jsonTextNestsDeeperThan(bytes(nested(65)), 64)).toBe(true);
    expect(jsonTextNestsDeeperThan(bytes('{"a":{"b":{"c":1}}}'), 3)).toBe(false);
    expect(jsonTextNestsDeeperThan(bytes('{"a":{"b":{"c":{}}}}'), 3)).toBe(true);
  });

  it('measures depth, not how many containers there are', () => {
    expect(jsonTextNestsDeeperThan(bytes(`[${Array(10_000).fill('{"a":[1]}').join(',')}]`), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and backslashes included', () => {
    expect(jsonTextNestsDeeperThan(bytes(`{"a":"${'[{'.repeat(100)}"}`), 1)).toBe(false);
    expect(jsonTextNestsDeeperThan(bytes(`{"a":"\\"${'['.repeat(100)}"}`), 1)).toBe(false);
    expect(jsonTextNestsDeeperThan(bytes(`{"a":"\\\\","b":[[]]}`), 2)).toBe(true);
    expect(jsonTextNestsDeeperThan(bytes(`{"${'['.repeat(10)}":[]}`), 2)).toBe(false);
  });

  it('reads multi-byte UTF-8 text without mistaking its bytes for brackets', () => {
    expect(jsonTextNestsDeeperThan(bytes('{"名前":"嬀嬀 [ 😀","x":["ü"]}'), 2)).toBe(false);
  });

  it('scans a nesting far deeper than the stack allows without recursion, stopping early', () => {
    const huge = bytes(nested(500_000));
    expect(jsonTextNestsDeeperThan(huge, MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('valueNestsDeeperThan', () => {
  it('measures parsed values the same way', () => {
    expect(valueNestsDeeperThan(null, 0)).toBe(false);
    expect(valueNestsDeeperThan('text', 0)).toBe(false);
    expect(valueNestsDeeperThan({}, 1)).toBe(false);
    expect(valueNestsDeeperThan({ a: [] }, 1)).toBe(true);
    expect(valueNestsDeeperThan(JSON.parse(nested(64)), 64)).toBe(false);
    expect(valueNestsDeeperThan(JSON.parse(nested(65)), 64)).toBe(true);
    expect(valueNestsDeeperThan({ a: [1, 'x', null], b: { c: true } }, 2)).toBe(false);
  });

  it('walks 100,000 levels without recursion', () => {
    let deep: unknown = 'end';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(valueNestsDeeperThan({ deep }, MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('the body parser hooks', () => {
  const req = () => ({}) as Request;
  const res = {} as Response;

  it('refuse a too deep UTF-8 body before it is parsed, as a 400 INVALID_INPUT naming the limit', () => {
    const verify = jsonDepthBeforeParse(4);
    expect(() => verify(req(), res, bytes(nested(4)), 'utf-8')).not.toThrow();
    let thrown: unknown;
    try {
      verify(req(), res, bytes(nested(5)), 'utf-8');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'INVALID_INPUT', status: 400, details: { max_depth: 4 } });
    expect((thrown as AppError).message).toContain('deeper than 4 levels');
  });

  it('check a body in another charset once parsed, and only that one', () => {
    const verify = jsonDepthBeforeParse(4);
    const after = jsonDepthAfterParse(4);
    const next = jest.fn() as jest.MockedFunction<NextFunction>;

    const utf16 = req();
    verify(utf16, res, Buffer.from(nested(5), 'utf16le'), 'utf-16le');
    utf16.body = JSON.parse(nested(5));
    after(utf16, res, next);
    expect(next).toHaveBeenLastCalledWith(expect.objectContaining({ code: 'INVALID_INPUT' }));

    const shallow = req();
    verify(shallow, res, Buffer.from(nested(4), 'utf16le'), 'utf-16le');
    shallow.body = JSON.parse(nested(4));
    after(shallow, res, next);
    expect(next).toHaveBeenLastCalledWith();

    // A UTF-8 body was scanned already: not walked again (this one could not even be reached by the scan).
    const scanned = req();
    scanned.body = JSON.parse(nested(5));
    after(scanned, res, next);
    expect(next).toHaveBeenLastCalledWith();
  });
});
