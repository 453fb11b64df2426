import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

/** Keeps a caller's X-Request-ID when it is a sane token, else makes one; always echoes it. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  req.requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
  req.startedAt = process.hrtime.bigint();
  res.setHeader('X-Request-ID', req.requestId);
  next();
}
