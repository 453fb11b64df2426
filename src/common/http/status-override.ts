import type { Response } from 'express';

/**
 * Nest applies a route's @HttpCode when it sends the reply, after the handler and interceptors ran,
 * so a handler cannot choose between two success statuses (200 done / 202 accepted) or replay a
 * stored one. overrideStatus() records the choice; installStatusOverride() makes it win over the route's
 * code. Errors (4xx/5xx from the exception filter) are never overridden.
 */
export function overrideStatus(res: Response, status: number): void {
  res.locals.statusOverride = status;
  res.statusCode = status;
}

/**
 * Installs the override on the application's response prototype once (a per-request wrapper cost a
 * closure and a bound function on every request).
 */
export function installStatusOverride(expressApp: { response: Response }): void {
  const setStatus = expressApp.response.status;
  expressApp.response.status = function status(this: Response, code: number) {
    const override = this.locals?.statusOverride as number | undefined;
    return setStatus.call(this, override !== undefined && code < 400 ? override : code);
  };
}
