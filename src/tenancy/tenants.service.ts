import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError } from '../common/http/error-codes';
import { Paginated } from '../common/http/envelope';
import { likePattern, pageWindow, paginate } from '../common/pagination/paginate';
import { Migrator } from '../database/migrator';
import { RedisConnection } from '../database/redis';
import { quoteSchema, schemaForSlug, SLUG_PATTERN } from './slug';
import { TenantEntity, TenantRecord } from './tenant.entity';
import { ProvisioningSteps } from './provisioning';
import type { CreateTenantDto, TenantListQueryDto, UpdateTenantDto } from './dto/tenant.dto';
import { Deletions } from '../common/deletions';
import { isUniqueViolation, sqlState } from '../database/pg-errors';

/** Slugs of tenants changed by any process (plan, status, overrides, deletion). */
const TENANT_CHANGED_CHANNEL = 'atom:tenant-changed';

interface CacheEntry {
  tenant: TenantRecord | null;
  expires: number;
}

function toRecord(entity: TenantEntity): TenantRecord {
  return { ...entity, schema: schemaForSlug(entity.slug) };
}

/** A tenant row or schema that already exists (23505 unique_violation, 42P06 duplicate_schema). */
function isDuplicateTenant(error: unknown): boolean {
  return isUniqueViolation(error) || sqlState(error) === '42P06';
}

/**
 * Tenants live in the public schema. Every request resolves one, so lookups go through a short
 * in-process cache (TENANT_CACHE_TTL_MS). A change drops the entry at once in this process and, when
 * Redis is configured, in every other process too (published on TENANT_CHANGED_CHANNEL); the TTL
 * bounds staleness only if such a message is lost.
 */
@Injectable()
export class TenantsService implements OnModuleInit {
  private readonly bySlug = new Map<string, CacheEntry>();
  private readonly slugById = new Map<string, string>();
  /** Cache misses being read now, by `slug:<slug>` or `id:<id>`. */
  private readonly loading = new Map<string, Promise<TenantRecord | null>>();
  /** Moves on every change: a read started before it does not fill the cache. */
  private generation = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly migrator: Migrator,
    private readonly provisioning: ProvisioningSteps,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisConnection,
    private readonly deletions: Deletions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.redis.subscribe(TENANT_CHANGED_CHANNEL, (slug) => this.forget(slug));
  }

  private get repo() {
    return this.dataSource.getRepository(TenantEntity);
  }

  async findBySlug(slug: string): Promise<TenantRecord | null> {
    const cached = this.bySlug.get(slug);
    if (cached && cached.expires > Date.now()) return cached.tenant;
    return this.loadOnce(`slug:${slug}`, { slug }, slug);
  }

  async findById(id: string): Promise<TenantRecord | null> {
    const slug = this.slugById.get(id);
    const cached = slug === undefined ? undefined : this.bySlug.get(slug);
    if (cached?.tenant?.id === id && cached.expires > Date.now()) return cached.tenant;
    return this.loadOnce(`id:${id}`, { id });
  }

  /**
   * One read per tenant however many requests miss the cache at once (a burst when an entry expires
   * used to send every one of them to the database). A read that a change overtook is returned to
   * its callers but not remembered.
   */
  private loadOnce(key: string, where: { slug: string } | { id: string }, missingSlug?: string): Promise<TenantRecord | null> {
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const read = this.repo
      .findOne({ where })
      .then((entity) => {
        const tenant = entity ? toRecord(entity) : null;
        if (generation === this.generation) {
          if (tenant) this.remember(tenant);
          else if (missingSlug !== undefined && this.config.tenantCacheTtlMs > 0) {
            this.bySlug.set(missingSlug, { tenant: null, expires: Date.now() + this.config.tenantCacheTtlMs });
          }
        }
        return tenant;
      })
      .finally(() => {
        // A change may have started a newer read for the same key meanwhile: leave that one.
        if (this.loading.get(key) === read) this.loading.delete(key);
      });
    this.loading.set(key, read);
    return read;
  }

  private remember(tenant: TenantRecord): void {
    if (this.config.tenantCacheTtlMs <= 0) return;
    this.bySlug.set(tenant.slug, { tenant, expires: Date.now() + this.config.tenantCacheTtlMs });
    this.slugById.set(tenant.id, tenant.slug);
  }

  async getBySlug(slug: string): Promise<TenantRecord> {
    const tenant = await this.findBySlug(slug);
    if (!tenant) throw tenantNotFound(slug);
    return tenant;
  }

  /** Drops a changed tenant from this process's cache at once, and from every other process's through Redis. */
  async invalidate(slug: string): Promise<void> {
    this.forget(slug);
    await this.redis.publish(TENANT_CHANGED_CHANNEL, slug);
  }

  private forget(slug: string): void {
    const id = this.bySlug.get(slug)?.tenant?.id;
    if (id) this.slugById.delete(id);
    this.bySlug.delete(slug);
    // Reads already under way may have seen the old row: later callers start a new one.
    this.generation += 1;
    this.loading.clear();
  }

  async list(query: TenantListQueryDto): Promise<Paginated<TenantRecord>> {
    const qb = this.repo.createQueryBuilder('t');
    if (query.plan) qb.andWhere('t.plan = :plan', { plan: query.plan });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.q) qb.andWhere('(t.slug ILIKE :q OR t.name ILIKE :q)', { q: likePattern(query.q) });
    const column = { created_at: 't.createdAt', updated_at: 't.updatedAt', slug: 't.slug', name: 't.name' }[query.sort];
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy(column, query.order === 'asc' ? 'ASC' : 'DESC')
      .addOrderBy('t.id', 'ASC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
    return paginate(rows.map(toRecord), total, query);
  }

  /** Row, schema, tables and owner in one transaction: a failure leaves nothing behind. */
  async create(dto: CreateTenantDto): Promise<TenantRecord> {
    const schema = schemaForSlug(dto.slug);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const entity = await runner.manager.save(
        runner.manager.create(TenantEntity, { slug: dto.slug, name: dto.name, plan: dto.plan, status: 'active' }),
      );
      const tenant = toRecord(entity);
      // Plain CREATE SCHEMA (no IF NOT EXISTS): never adopt a schema left over from something else.
      await runner.query(`CREATE SCHEMA ${quoteSchema(schema)}`);
      await this.migrator.migrateTenantWith(runner, schema);
      await this.provisioning.run(runner.manager, tenant, { adminEmail: dto.admin_email, adminPassword: dto.admin_password });
      await runner.commitTransaction();
      await this.invalidate(dto.slug);
      return tenant;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      if (isDuplicateTenant(error)) throw new AppError('CONFLICT', `Tenant '${dto.slug}' already exists`, { slug: dto.slug });
      throw error;
    } finally {
      await runner.release();
    }
  }

  async update(slug: string, dto: UpdateTenantDto): Promise<TenantRecord> {
    const entity = await this.repo.findOne({ where: { slug } });
    if (!entity) throw tenantNotFound(slug);
    if (dto.name !== undefined) entity.name = dto.name;
    if (dto.plan !== undefined) entity.plan = dto.plan;
    if (dto.status !== undefined) entity.status = dto.status;
    if (dto.max_agents !== undefined) entity.maxAgents = dto.max_agents;
    if (dto.requests_per_minute !== undefined) entity.requestsPerMinute = dto.requests_per_minute;
    const saved = await this.repo.save(entity);
    await this.invalidate(slug);
    return toRecord(saved);
  }

  async remove(slug: string, confirm: string): Promise<void> {
    if (confirm !== slug) throw new AppError('INVALID_INPUT', `confirm must equal the slug ('${slug}')`, { fields: [{ field: 'confirm', errors: ['must equal the slug'] }] });
    const tenant = await this.getBySlug(slug);
    await this.dataSource.transaction(async (em) => {
      await em.query(`DROP SCHEMA IF EXISTS ${quoteSchema(tenant.schema)} CASCADE`);
      await em.delete(TenantEntity, { id: tenant.id });
    });
    await this.invalidate(slug);
    this.deletions.tenantDeleted(tenant.id);
  }
}

/** The slug is echoed only when it could be one: a path segment of any length is not repeated back. */
function tenantNotFound(slug: string): AppError {
  return new AppError('TENANT_NOT_FOUND', SLUG_PATTERN.test(slug) ? `Tenant '${slug}' not found` : 'No tenant has this slug');
}
