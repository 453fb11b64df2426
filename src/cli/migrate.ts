import { loadConfig } from '../config/config';
import { Migrator, TenantMigrationReport } from '../database/migrator';
import { CliOutput, CliResult, EXIT, runAsProcess } from './io';
import { openDatabase } from './database';

type Env = Record<string, string | undefined>;

export interface MigrateResult extends CliResult {
  /** Public migrations applied by this run (undefined when the run failed before them). */
  publicApplied?: string[];
  tenants: TenantMigrationReport[];
}

/**
 * `npm run migrate`: the public schema, then every tenant schema, one transaction each. A failing
 * tenant is reported and the others still run; the exit code is 1 when any failed.
 */
export async function runMigrateCli(env: Env = process.env, options: { echo?: boolean } = {}): Promise<MigrateResult> {
  const out = new CliOutput(options.echo ?? false);
  const tenants: TenantMigrationReport[] = [];
  let publicApplied: string[] | undefined;
  let code: number = EXIT.OK;
  try {
    const config = loadConfig(env);
    const db = await openDatabase(config);
    try {
      out.line(`database: ${db.description}`);
      const started = Date.now();
      const migrator = new Migrator(db.dataSource);
      publicApplied = await migrator.migratePublic();
      out.line(`public: ${publicApplied.length ? `applied ${publicApplied.join(', ')}` : 'up to date'}`);
      await migrator.migrateAllTenants((report) => {
        tenants.push(report);
        if (report.error) out.errorLine(`${report.schema}: FAILED: ${report.error}`);
        out.line(`${report.schema}: ${report.error ? 'FAILED' : report.applied.length ? `applied ${report.applied.join(', ')}` : 'up to date'}`);
      });
      const failed = tenants.filter((t) => t.error).length;
      const updated = tenants.filter((t) => !t.error && t.applied.length).length;
      out.line(
        `summary: public ${publicApplied.length} applied; ${tenants.length} tenant(s): ${updated} updated, ` +
          `${tenants.length - updated - failed} up to date, ${failed} failed (${Date.now() - started} ms)`,
      );
      if (failed) code = EXIT.FAILED;
    } finally {
      await db.close();
    }
  } catch (error) {
    code = out.fail(error);
  }
  return { ...out.result(code), publicApplied, tenants };
}

if (require.main === module) {
  runAsProcess(() => runMigrateCli(process.env, { echo: true }));
}
