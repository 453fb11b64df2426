import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError } from '../common/http/error-codes';
import { hashPassword, randomToken, sha256, verifyPassword } from '../common/crypto';
import { TenantDb } from '../database/tenant-db';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { TokenPairDto, UserDto } from './dto/auth.dto';
import { canonicalEmail } from './email';
import { RefreshTokenEntity, UserEntity } from './entities';
import { LoginThrottle } from './login-throttle';
import { lockRefreshTokenSession } from './session-locks';
import type { RequestContext } from './principal';

/** Claims of an access token. `tid` is authoritative for the tenant; `ten` (slug) is informative. */
export interface AccessClaims {
  sub: string;
  tid: string;
  ten: string;
  typ: 'access';
  /** Issued at (seconds), set by the signer: a token older than the user's last password change is refused. */
  iat?: number;
}

const INVALID_LOGIN = 'Invalid email or password';
const INVALID_REFRESH = 'Invalid or expired refresh token';

@Injectable()
export class AuthService {
  /** Verified against when the email is unknown, so both failures cost the same time. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly db: TenantDb,
    private readonly jwt: JwtService,
    private readonly loginThrottle: LoginThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.dummyHash = hashPassword(randomToken());
  }

  async login(ctx: RequestContext, email: string, password: string): Promise<TokenPairDto> {
    const tenant = ctx.tenant;
    const attempt = await this.loginThrottle.begin(tenant.id, email);
    const user = await this.db.run(tenant, (em) =>
      em
        .getRepository(UserEntity)
        .createQueryBuilder('u')
        .addSelect('u.passwordHash')
        // Stored emails are canonical; lower() only so that the unique index on lower(email) serves it.
        .where('lower(u.email) = :email', { email: canonicalEmail(email) })
        .getOne(),
    );
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !valid) {
      await this.loginThrottle.recordFailure(tenant.id, email, attempt);
      throw new AppError('UNAUTHORIZED', INVALID_LOGIN);
    }
    await this.loginThrottle.recordSuccess(tenant.id, email);
    return this.db.run(tenant, (em) => this.issue(em, tenant, user, randomUUID()));
  }

  /** Rotates: the presented token is spent; presenting a spent one revokes its whole family. */
  async refresh(ctx: RequestContext, refreshToken: string): Promise<TokenPairDto> {
    const tenant = ctx.tenant;
    const outcome = await this.db.run(tenant, async (em) => {
      const repo = em.getRepository(RefreshTokenEntity);
      const tokenHash = sha256(refreshToken);
      if (!(await lockRefreshTokenSession(em, tokenHash))) return null;
      // Atomic claim: of two concurrent refreshes with one token, exactly one wins.
      // TypeORM answers an UPDATE ... RETURNING with [rows, affectedCount].
      const [claimed] = (await em.query(
        `UPDATE refresh_tokens SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          RETURNING user_id AS "userId", family_id AS "familyId"`,
        [tokenHash],
      )) as [{ userId: string; familyId: string }[], number];
      if (claimed.length === 0) {
        const known = await repo.findOne({ where: { tokenHash } });
        if (known && (known.usedAt || known.revokedAt)) {
          await repo.update({ familyId: known.familyId }, { revokedAt: new Date() });
          return { reused: true as const };
        }
        return null;
      }
      const user = await em.getRepository(UserEntity).findOne({ where: { id: claimed[0].userId } });
      if (!user) return null;
      return { pair: await this.issue(em, tenant, user, claimed[0].familyId) };
    });
    if (!outcome) throw new AppError('UNAUTHORIZED', INVALID_REFRESH);
    if ('reused' in outcome) {
      throw new AppError('UNAUTHORIZED', 'Refresh token was already used: every token of this session is revoked; log in again');
    }
    return outcome.pair;
  }

  /** Ends the session: the whole family of the token is revoked. Unknown tokens are accepted silently. */
  async logout(ctx: RequestContext, refreshToken: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      const session = await lockRefreshTokenSession(em, sha256(refreshToken));
      if (session) await em.getRepository(RefreshTokenEntity).update({ familyId: session.familyId }, { revokedAt: new Date() });
    });
  }

  private async issue(em: EntityManager, tenant: TenantRecord, user: UserEntity, familyId: string): Promise<TokenPairDto> {
    const claims: AccessClaims = { sub: user.id, tid: tenant.id, ten: tenant.slug, typ: 'access' };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.accessTokenTtlSeconds });
    const refreshToken = randomToken('rt_');
    await em.getRepository(RefreshTokenEntity).insert({
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
    });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.config.accessTokenTtlSeconds,
      user: UserDto.from(user),
    };
  }
}
