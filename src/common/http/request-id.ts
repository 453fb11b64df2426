import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ID_BYTES = 12;
// randomBytes() per request (a getrandom call each) was ~5% of a small request's CPU: draw the
// entropy in blocks and hand out 12 bytes at a time. Never reused: each id takes fresh bytes.
const BLOCK_BYTES = ID_BYTES * 1024;
let block: Buffer = Buffer.alloc(0);
let offset = 0;

export function newRequestId(): string {
  if (offset + ID_BYTES > block.length) {
    block = randomBytes(BLOCK_BYTES);
    offset = 0;
  }
  const id = block.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `req_${id}`;
}

/** Keeps a caller's X-Request-ID when it is a sane token, else makes one; always echoes it. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  req.requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
  req.startedAt = process.hrtime.bigint();
  res.setHeader('X-Request-ID', req.requestId);
  next();
}
