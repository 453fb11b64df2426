import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requestLogger } from './request-logger';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

function finishedRequest(originalUrl: string, status = 200): unknown[] {
  const logged: unknown[] = [];
  const spy = jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void logged.push(message));
  const levels = jest.spyOn(Logger, 'isLevelEnabled').mockReturnValue(true);
  try {
    const req = { method: 'GET', originalUrl, requestId: 'req_test', startedAt: process.hrtime.bigint() } as unknown as Request;
    const res = Object.assign(new EventEmitter(), { statusCode: status }) as unknown as Response;
    const next = jest.fn();
    requestLogger(req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    res.emit('finish');
    return logged;
  } finally {
    spy.mockRestore();
    levels.mockRestore();
  }
}

describe('requestLogger', () => {
  it('logs one line per request with the path and status, without the query string', () => {
    const [line] = finishedRequest('/api/agents?page=2&limit=5', 200);
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/api/agents', status: 200, request_id: 'req_test' });
  });

  it.each([
    ['the SSE route', `/api/chat/stream?agent_id=a1&message=hi&access_token=${TOKEN}`],
    ['the token first', `/api/chat/stream?access_token=${TOKEN}&session_id=s1`],
    ['an encoded token', `/api/chat/stream?access_token=${encodeURIComponent(TOKEN)}`],
  ])('never writes an access_token to the log (%s)', (_case, url) => {
    const logged = finishedRequest(url, 401);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toContain(TOKEN.slice(0, 20));
    expect(JSON.stringify(logged)).not.toContain('access_token');
    expect(logged[0]).toMatchObject({ path: '/api/chat/stream', status: 401 });
  });

  it('writes nothing when the log level is off', () => {
    const logSpy = jest.spyOn(Logger.prototype, 'log');
    const levels = jest.spyOn(Logger, 'isLevelEnabled').mockReturnValue(false);
    try {
      const res = new EventEmitter() as unknown as Response;
      const next = jest.fn();
      requestLogger({ method: 'GET', originalUrl: '/api/health' } as Request, res, next);
      res.emit('finish');
      expect(next).toHaveBeenCalledTimes(1);
      expect(logSpy).not.toHaveBeenCalled();
    } finally {
      logSpy.mockRestore();
      levels.mockRestore();
    }
  });
});
