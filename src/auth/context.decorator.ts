import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthContext, RequestContext } from './principal';

/** The caller's tenant and principal, as the guards resolved them. Fails closed when absent. */
export const Ctx = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext | RequestContext => {
  const context = ctx.switchToHttp().getRequest<Request>().context;
  if (!context) throw new Error('Handler needs a tenant context but the request has none');
  return context;
});
