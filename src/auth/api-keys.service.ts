import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/http/error-codes';
import { Paginated } from '../common/http/envelope';
import { randomToken, sha256 } from '../common/crypto';
import { likePattern, pageWindow, paginate } from '../common/pagination/paginate';
import { TenantDb } from '../database/tenant-db';
import { TenantsService } from '../tenancy/tenants.service';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { ApiKeyDto, ApiKeyListQueryDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/auth.dto';
import { ApiKeyEntity, ApiKeyIndexEntity } from './entities';
import { AuthContext, Principal, roleAtLeast } from './principal';

export const API_KEY_PREFIX = 'atom_';
const LAST_USED_GRANULARITY_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantDb,
    private readonly dataSource: DataSource,
    private readonly tenants: TenantsService,
  ) {}

  /** The key row (tenant schema) and its index entry (public) are written in one transaction. */
  async create(ctx: AuthContext, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    if (!roleAtLeast(ctx.principal.role, dto.role)) {
      throw new AppError('FORBIDDEN', `A ${ctx.principal.role} cannot create a key with the ${dto.role} role`);
    }
    const expiresAt = dto.expires_at ? new Date(dto.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppError('INVALID_INPUT', 'expires_at must be in the future', { fields: [{ field: 'expires_at', errors: ['must be in the future'] }] });
    }
    const key = randomToken(API_KEY_PREFIX);
    const keyHash = sha256(key);
    const saved = await this.db.run(ctx.tenant, async (em) => {
      const repo = em.getRepository(ApiKeyEntity);
      const row = await repo.save(
        repo.create({
          name: dto.name,
          role: dto.role,
          prefix: key.slice(0, 12),
          keyHash,
          createdBy: ctx.principal.type === 'user' ? ctx.principal.id : null,
          expiresAt,
        }),
      );
      await em.getRepository(ApiKeyIndexEntity).insert({ keyHash, tenantId: ctx.tenant.id, apiKeyId: row.id });
      return row;
    });
    return { ...ApiKeyDto.from(saved), key };
  }

  async list(ctx: AuthContext, query: ApiKeyListQueryDto): Promise<Paginated<ApiKeyDto>> {
    return this.db.run(ctx.tenant, async (em) => {
      const qb = em.getRepository(ApiKeyEntity).createQueryBuilder('k');
      if (query.q) qb.andWhere('(k.name ILIKE :q OR k.prefix ILIKE :q)', { q: likePattern(query.q) });
      const column = { created_at: 'k.createdAt', name: 'k.name', last_used_at: 'k.lastUsedAt' }[query.sort];
      const { skip, take } = pageWindow(query);
      const [rows, total] = await qb
        .orderBy(column, query.order === 'asc' ? 'ASC' : 'DESC', query.order === 'asc' ? 'NULLS FIRST' : 'NULLS LAST')
        .addOrderBy('k.id', 'ASC')
        .skip(skip)
        .take(take)
        .getManyAndCount();
      return paginate(rows.map(ApiKeyDto.from), total, query);
    });
  }

  /**
   * Revocation is immediate: the index entry goes with the key, and every request looks the key up.
   * Only an owner revokes an owner's key, as only an owner removes an owner (users.service.ts): an
   * owner key is an owner's credential.
   */
  async revoke(ctx: AuthContext, id: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      const repo = em.getRepository(ApiKeyEntity);
      const key = await repo.createQueryBuilder('k').addSelect('k.keyHash').where('k.id = :id', { id }).getOne();
      if (!key) throw new AppError('NOT_FOUND', `API key '${id}' not found`);
      if (key.role === 'owner' && ctx.principal.role !== 'owner') {
        throw new AppError('FORBIDDEN', 'Only an owner can change or remove an owner (this key has the owner role)');
      }
      await repo.delete({ id });
      await em.getRepository(ApiKeyIndexEntity).delete({ keyHash: key.keyHash, tenantId: ctx.tenant.id });
    });
  }

  /** Resolves a presented key to its tenant and principal; null for anything unknown, expired or malformed. */
  async authenticate(rawKey: string): Promise<{ tenant: TenantRecord; principal: Principal } | null> {
    if (!rawKey.startsWith(API_KEY_PREFIX) || rawKey.length > 200) return null;
    const keyHash = sha256(rawKey);
    const entry = await this.dataSource.getRepository(ApiKeyIndexEntity).findOne({ where: { keyHash } });
    if (!entry) return null;
    const tenant = await this.tenants.findById(entry.tenantId);
    if (!tenant) return null;
    const key = await this.db.run(tenant, async (em) => {
      const row = await em.getRepository(ApiKeyEntity).findOne({ where: { id: entry.apiKeyId } });
      // An expired key is refused without a trace of use: last_used_at says when the key last got in.
      if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return null;
      // last_used_at is kept to the minute: one write per key per minute, not one per request.
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
        await em.getRepository(ApiKeyEntity).update({ id: row.id }, { lastUsedAt: new Date() });
      }
      return row;
    });
    if (!key) return null;
    return { tenant, principal: { type: 'api_key', id: key.id, role: key.role } };
  }
}
