import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { quoteSchema } from '../tenancy/slug';

export interface Migration {
  name: string;
  sql: string;
}

export interface TenantMigrationReport {
  schema: string;
  applied: string[];
  error?: string;
}

/** The repository root: the folder holding package.json above this file (src/ under Jest, dist/src/ when built). */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export function loadMigrations(kind: 'public' | 'tenant', root = projectRoot()): Migration[] {
  const dir = join(root, 'migrations', kind);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({ name: file, sql: readFileSync(join(dir, file), 'utf8') }));
}

/**
 * Applies the SQL files of migrations/public and migrations/tenant. TypeORM's MigrationExecutor
 * keeps its bookkeeping in public, which breaks for schema-per-tenant; this runner keeps a
 * schema_migrations table inside each schema, one transaction per schema, serialised across
 * processes by an advisory lock, so concurrent starts and re-runs are no-ops.
 */
export class Migrator {
  private readonly publicMigrations: Migration[];
  private readonly tenantMigrations: Migration[];

  constructor(private readonly dataSource: DataSource) {
    this.publicMigrations = loadMigrations('public');
    this.tenantMigrations = loadMigrations('tenant');
  }

  async migratePublic(): Promise<string[]> {
    return this.inTransaction(async (runner) => {
      await runner.query(`SELECT pg_advisory_xact_lock(hashtext('atom:migrate:public'))`);
      await runner.query(
        `CREATE TABLE IF NOT EXISTS public.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      return this.applyPending(runner, 'public.schema_migrations', this.publicMigrations);
    });
  }

  /** Brings one tenant schema up to date inside the caller's transaction (used by provisioning). */
  async migrateTenantWith(runner: QueryRunner, schema: string): Promise<string[]> {
    const quoted = quoteSchema(schema);
    await runner.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`atom:migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await runner.query(`SELECT set_config('search_path', '${quoted}, public', true)`);
    await runner.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    return this.applyPending(runner, `${quoted}.schema_migrations`, this.tenantMigrations);
  }

  async migrateTenant(schema: string): Promise<string[]> {
    return this.inTransaction((runner) => this.migrateTenantWith(runner, schema));
  }

  /** Every tenant, one at a time; a failing tenant is reported and the others go on. */
  async migrateAllTenants(onTenant?: (report: TenantMigrationReport) => void): Promise<TenantMigrationReport[]> {
    const rows: { slug: string }[] = await this.dataSource.query(`SELECT slug FROM public.tenants ORDER BY slug`);
    const reports: TenantMigrationReport[] = [];
    for (const { slug } of rows) {
      const schema = `tenant_${slug.replace(/-/g, '_')}`;
      let report: TenantMigrationReport;
      try {
        report = { schema, applied: await this.migrateTenant(schema) };
      } catch (error) {
        report = { schema, applied: [], error: (error as Error).message };
      }
      reports.push(report);
      onTenant?.(report);
    }
    return reports;
  }

  private async applyPending(runner: QueryRunner, table: string, migrations: Migration[]): Promise<string[]> {
    const done = new Set<string>(
      ((await runner.query(`SELECT name FROM ${table}`)) as { name: string }[]).map((row) => row.name),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await runner.query(migration.sql);
      await runner.query(`INSERT INTO ${table} (name) VALUES ($1)`, [migration.name]);
      applied.push(migration.name);
    }
    return applied;
  }

  private async inTransaction<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const result = await work(runner);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
