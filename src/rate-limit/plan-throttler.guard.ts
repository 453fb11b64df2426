import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppError } from '../common/http/error-codes';
import { ACCESS_KEY, AccessRule } from '../auth/access';
import { COUNTER_STORE, type CounterStore } from './counter-store';
import { rateLimitHeaders, tenantWindows } from './windows';

/**
 * Plan tiers on top of @nestjs/throttler: one budget per tenant across all its routes and
 * credentials (the stock guard keys per route and per IP), a daily window that ends at 00:00 UTC
 * (the stock 24 h block starts when exceeded), X-RateLimit-Reset as a Unix time (the stock header
 * is seconds-to-reset), and a check-then-count that leaves refused requests uncounted.
 */
@Injectable()
export class PlanThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(COUNTER_STORE) private readonly counters: CounterStore,
  ) {
    super(options, storage, reflector);
  }

  // Platform routes, health and docs are never counted; every tenant-resolved request is.
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    const kind = rule?.kind ?? 'tenant';
    return kind === 'open' || kind === 'platform' || !context.switchToHttp().getRequest<Request>().context;
  }

  protected override async handleRequest({ context }: ThrottlerRequest): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const tenant = req.context!.tenant;
    const now = Date.now();
    const windows = tenantWindows(tenant, now);
    const result = await this.counters.consume(windows);
    const headers = rateLimitHeaders(windows, result.counts, result.refusedBy, now);
    if (!result.allowed) {
      const refused = windows[result.refusedBy];
      throw new AppError(
        'RATE_LIMIT_EXCEEDED',
        `Rate limit exceeded: ${refused.limit} requests per ${refused.kind} for the ${tenant.plan} plan`,
        { window: refused.kind, limit: refused.limit, reset_at: new Date(refused.resetAt).toISOString() },
        { ...headers },
      );
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    return true;
  }
}
