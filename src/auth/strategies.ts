import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import { ExtractJwt, Strategy as JwtStrategyBase } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TenantsService } from '../tenancy/tenants.service';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { ApiKeysService } from './api-keys.service';
import type { AccessClaims } from './auth.service';
import { jwtKey } from './jwt-key';
import { UsersService } from './users.service';
import type { Principal } from './principal';

export interface Authenticated {
  tenant: TenantRecord;
  principal: Principal;
}

/** Bearer access tokens. The user is read on every request, so a deleted user or a changed role applies at once. */
@Injectable()
export class JwtStrategy extends PassportStrategy(JwtStrategyBase, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
  ) {
    // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a PEM public
    // key on every verify, which cost ~0.5 ms per request. passport-jwt hands the key to jsonwebtoken
    // untouched; only its typings are narrower than jsonwebtoken's.
    const secretOrKey = jwtKey(config) as unknown as Buffer;
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey, algorithms: ['HS256'] });
  }

  async validate(claims: AccessClaims): Promise<Authenticated | false> {
    if (claims.typ !== 'access' || typeof claims.tid !== 'string' || typeof claims.sub !== 'string') return false;
    const tenant = await this.tenants.findById(claims.tid);
    if (!tenant) return false;
    const user = await this.users.findForAuthentication(tenant, claims.sub);
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
