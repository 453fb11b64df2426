import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { loadMigrations } from '../../src/database/migrator';

/**
 * A tenant migration tested on data written before it: a throwaway schema migrated up to (not
 * including) `name`, inside a transaction that is rolled back afterwards. `test` gets the runner (its
 * search_path is the schema) and `migrate()`, which applies the migration under test.
 */
export async function beforeAndAfterTenantMigration(
  app: INestApplication,
  name: string,
  test: (runner: QueryRunner, migrate: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const migrations = loadMigrations('tenant');
  const index = migrations.findIndex((migration) => migration.name === name);
  if (index < 1) throw new Error(`no tenant migration ${name} after the first`);
  const schema = `mig_test_${randomBytes(4).toString('hex')}`;
  const runner = app.get(DataSource).createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    await runner.query(`CREATE SCHEMA "${schema}"`);
    await runner.query(`SELECT set_config('search_path', '"${schema}", public', true)`);
    for (const migration of migrations.slice(0, index)) await runner.query(migration.sql);
    await test(runner, async () => void (await runner.query(migrations[index].sql)));
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
