import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import { TenantsService } from '../tenancy/tenants.service';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { ApiKeysService } from './api-keys.service';
import { AccessTokenVerifier, bearerTokenOf } from './access-token-verifier';
import { UsersService } from './users.service';
import type { Principal } from './principal';

export interface Authenticated {
  tenant: TenantRecord;
  principal: Principal;
}

/**
 * Bearer access tokens. The user is read on every request, so a deleted user or a changed role
 * applies at once; only the token's signature check is remembered (AccessTokenVerifier).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(CustomStrategy, 'jwt') {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
  ) {
    super();
  }

  async validate(req: Request): Promise<Authenticated | false> {
    const token = bearerTokenOf(req.header('authorization'));
    const claims = token ? this.verifier.verify(token) : null;
    if (!claims) return false;
    const tenant = await this.tenants.findById(claims.tid);
    if (!tenant) return false;
    const user = await this.users.findForAuthentication(tenant, claims.sub, claims.iat ?? 0);
    if (!user) return false;
    return { tenant, principal: { type: 'user', id: user.id, role: user.role, user } };
  }
}

/** `X-API-Key: atom_…`: the key names its own tenant, so no subdomain is needed. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(CustomStrategy, 'api-key') {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async validate(req: Request): Promise<Authenticated | false> {
    const raw = req.header('x-api-key');
    if (!raw) return false;
    return (await this.apiKeys.authenticate(raw)) ?? false;
  }
}
