import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { quoteSchema } from '../tenancy/slug';

export interface TenantScope {
  schema: string;
}

/**
 * The unit of work for tenant data: one short transaction on the shared pool whose first statement
 * pins search_path with set_config(..., true) (SET LOCAL), so it ends with the transaction and a
 * pooled connection never carries one tenant's path into another's request.
 *
 * BEGIN and set_config travel as one simple query (one round trip instead of two); TypeORM is told
 * the transaction is open so that repository.save() joins it instead of starting its own.
 * Never call out (LLM, HTTP, SSE) inside `work`: load, return, call out, then open a new unit of work.
 */
@Injectable()
export class TenantDb {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(scope: TenantScope | undefined, work: (em: EntityManager) => Promise<T>): Promise<T> {
    // Fail closed: code that needs a tenant and has none must not fall through to any schema.
    if (!scope?.schema) throw new Error('TenantDb.run called without a tenant');
    const schemaSql = quoteSchema(scope.schema);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let open = false;
    try {
      await runner.query(`BEGIN; SELECT set_config('search_path', '${schemaSql}, public', true)`);
      open = true;
      setTransactionFlag(runner, true);
      const result = await work(runner.manager);
      open = false;
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      if (open) await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      setTransactionFlag(runner, false);
      await runner.release();
    }
  }

  /**
   * One read-only statement on the tenant's tables, outside any transaction: `sql` receives the quoted
   * schema and must qualify every table with it, so no search_path is involved and it costs a single
   * round trip. For hot single-statement reads (the caller's own row on every request); anything that
   * writes, or reads twice and needs a consistent view, goes through run().
   */
  async select<T>(scope: TenantScope | undefined, sql: (schema: string) => string, params: unknown[] = []): Promise<T[]> {
    if (!scope?.schema) throw new Error('TenantDb.select called without a tenant');
    return this.dataSource.query(sql(quoteSchema(scope.schema)), params);
  }
}

/** TypeORM keeps these on the runner; we manage BEGIN/COMMIT ourselves (see above). */
function setTransactionFlag(runner: QueryRunner, active: boolean): void {
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = active;
  state.transactionDepth = active ? 1 : 0;
}
