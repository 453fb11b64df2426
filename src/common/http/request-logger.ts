import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const logger = new Logger('HTTP');

/**
 * One structured line per request. The path is logged without its query string, which may carry
 * an `access_token` (SSE clients).
 */
export function requestLogger(req: Request, res: Response, next: NextFunction): void {
  if (!Logger.isLevelEnabled('log')) return next();
  res.on('finish', () => {
    const durationMs = req.startedAt ? Number(process.hrtime.bigint() - req.startedAt) / 1e6 : undefined;
    logger.log({
      msg: 'request',
      method: req.method,
      path: req.originalUrl.split('?')[0],
      status: res.statusCode,
      duration_ms: durationMs === undefined ? undefined : Math.round(durationMs * 100) / 100,
      tenant: req.context?.tenant.slug ?? null,
      request_id: req.requestId,
    });
  });
  next();
}
