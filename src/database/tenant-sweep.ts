import type { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { schemaForSlug } from '../tenancy/slug';
import type { TenantDb } from './tenant-db';

/**
 * Start-up work over every tenant (recovering what a crash left queued or running): one unit of work
 * per tenant; a tenant that fails is logged and the others go on. Nothing to do on a database without
 * the public tables (MIGRATE_ON_START=false on an empty database, as the OpenAPI CLI runs).
 * `work` answers how many rows it changed; a non-zero count is logged as `<slug>: <n> <what>`.
 */
export async function sweepTenants(
  dataSource: DataSource,
  db: TenantDb,
  logger: Logger,
  what: string,
  work: (em: EntityManager, tenant: { id: string; slug: string }) => Promise<number>,
): Promise<void> {
  await forEachTenant(dataSource, logger, what, ({ schema, ...tenant }) => db.run({ schema }, (em) => work(em, tenant)));
}

/**
 * sweepTenants without the unit of work: `work` gets the tenant's scope and opens what it needs itself
 * (for work made of statements that are atomic on their own; a transaction held around them would
 * also hold up the embedded database, which runs one connection's work at a time).
 */
export async function forEachTenant(
  dataSource: DataSource,
  logger: Logger,
  what: string,
  work: (tenant: { id: string; slug: string; schema: string }) => Promise<number>,
): Promise<void> {
  const [{ ready }] = (await dataSource.query(`SELECT to_regclass('public.tenants') IS NOT NULL AS ready`)) as { ready: boolean }[];
  if (!ready) return;
  const tenants: { id: string; slug: string }[] = await dataSource.query('SELECT id, slug FROM public.tenants');
  for (const tenant of tenants) {
    try {
      const changed = await work({ ...tenant, schema: schemaForSlug(tenant.slug) });
      if (changed > 0) logger.warn(`${tenant.slug}: ${changed} ${what}`);
    } catch (error) {
      logger.error(`${tenant.slug}: start-up sweep failed (${what}): ${(error as Error).message}`);
    }
  }
}
