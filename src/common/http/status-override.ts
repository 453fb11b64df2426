import type { NextFunction, Request, Response } from 'express';

/**
 * Nest applies a route's @HttpCode when it sends the reply, after the handler and interceptors ran,
 * so a handler cannot choose between two success statuses (200 done / 202 accepted) or replay a
 * stored one. overrideStatus() records the choice; the middleware makes it win over the route's
 * code. Errors (4xx/5xx from the exception filter) are never overridden.
 */
export function overrideStatus(res: Response, status: number): void {
  res.locals.statusOverride = status;
  res.statusCode = status;
}

export function statusOverrideMiddleware(_req: Request, res: Response, next: NextFunction): void {
  const setStatus = res.status.bind(res);
  res.status = (code: number) => {
    const override = res.locals.statusOverride as number | undefined;
    return setStatus(override !== undefined && code < 400 ? override : code);
  };
  next();
}
