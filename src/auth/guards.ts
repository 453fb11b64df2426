import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError } from '../common/http/error-codes';
import { safeEqual } from '../common/crypto';
import { TenantsService } from '../tenancy/tenants.service';
import { tenantHintOf } from '../tenancy/tenant-resolution';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { ACCESS_KEY, AccessRule } from './access';
import { roleAtLeast } from './principal';
import type { Authenticated } from './strategies';

function accessRule(reflector: Reflector, context: ExecutionContext): AccessRule {
  // Fail closed: a route that forgot to declare its access needs a tenant credential.
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]) ?? { kind: 'tenant' };
}

function hasCredential(req: Request): boolean {
  return Boolean(req.header('authorization') || req.header('x-api-key'));
}

/**
 * SSE routes only (AccessRule.queryToken): a browser EventSource cannot send headers, so the access
 * token may come as `?access_token=`. It is moved into the Authorization header, where the JWT strategy
 * reads it, unless a header credential is present (which wins). The request log omits query strings.
 */
function promoteQueryToken(req: Request): void {
  const token = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof token !== 'string' || token === '' || hasCredential(req)) return;
  req.headers.authorization = `Bearer ${token}`;
}

function assertUsable(tenant: TenantRecord): void {
  if (tenant.status === 'suspended') throw new AppError('FORBIDDEN', 'This tenant is suspended');
}

/**
 * First in the pipeline. Platform routes: checks X-Platform-Key (and hides them when no key is
 * configured). Tenant routes: reads the tenant the host / X-Tenant-ID name; without a credential it
 * resolves that tenant here (404 TENANT_NOT_FOUND for an unknown one). With a credential, resolution
 * waits for the auth guard, so a credential of tenant A on B's host gets 403 whether B exists or not.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = accessRule(this.reflector, context);
    const req = context.switchToHttp().getRequest<Request>();
    if (rule.kind === 'open') return true;
    if (rule.kind === 'platform') return this.checkPlatformKey(req);

    if (rule.kind === 'tenant' && rule.queryToken) promoteQueryToken(req);
    const hint = tenantHintOf(req, this.config.tenantBaseDomain);
    req.tenantHint = hint;
    if (rule.kind === 'tenant' && hasCredential(req)) return true;
    if (!hint) {
      if (rule.kind === 'tenant') throw new AppError('UNAUTHORIZED', 'Missing credentials: send Authorization: Bearer <token> or X-API-Key');
      throw new AppError('INVALID_INPUT', `No tenant in the request: use <tenant>.${this.config.tenantBaseDomain} or the X-Tenant-ID header`);
    }
    const tenant = await this.tenants.getBySlug(hint);
    assertUsable(tenant);
    req.context = { tenant, requestId: req.requestId! };
    if (rule.kind === 'tenant') throw new AppError('UNAUTHORIZED', 'Missing credentials: send Authorization: Bearer <token> or X-API-Key');
    return true;
  }

  private checkPlatformKey(req: Request): boolean {
    // Without a configured key the provisioning API does not exist, rather than being guessable.
    if (!this.config.platformAdminKey) throw new AppError('NOT_FOUND', 'Route not found');
    const presented = req.header('x-platform-key');
    if (!presented || !safeEqual(presented, this.config.platformAdminKey)) {
      throw new AppError('UNAUTHORIZED', 'Invalid or missing X-Platform-Key');
    }
    return true;
  }
}

/** Bearer JWT or X-API-Key (passport strategies 'jwt' and 'api-key'), then the tenant agreement check. */
@Injectable()
export class CredentialGuard extends AuthGuard(['jwt', 'api-key']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (accessRule(this.reflector, context).kind !== 'tenant') return true;
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request>();
    const { tenant, principal } = req.user as Authenticated;
    // Same answer whether the named tenant exists or not: nothing about it is revealed.
    if (req.tenantHint && req.tenantHint !== tenant.slug) {
      throw new AppError('FORBIDDEN', 'This credential is not valid for the requested tenant');
    }
    assertUsable(tenant);
    req.context = { tenant, principal, requestId: req.requestId! };
    return true;
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error) throw error;
    if (!user) throw new AppError('UNAUTHORIZED', 'Invalid or expired credentials');
    return user;
  }
}

/** Admin-only routes (user and key management, later promote/demote) refuse lower roles with 403. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = accessRule(this.reflector, context);
    if (rule.kind !== 'tenant' || !rule.role) return true;
    const principal = context.switchToHttp().getRequest<Request>().context?.principal;
    if (!principal || !roleAtLeast(principal.role, rule.role)) {
      throw new AppError('FORBIDDEN', `This action requires the ${rule.role} role or higher`);
    }
    return true;
  }
}
