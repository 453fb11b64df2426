import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, type EntityTarget, type ObjectLiteral, QueryRunner } from 'typeorm';
import { quoteSchema } from '../tenancy/slug';

/** An entity's table, its select list (database column AS property name) and its property names. */
interface SelectList {
  table: string;
  columns: string;
  properties: Set<string>;
}

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
  /** Per entity: the select list of findById (database column AS property name). */
  private readonly selectLists = new Map<EntityTarget<ObjectLiteral>, SelectList>();

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

  /**
   * One statement that writes (an INSERT, possibly with data-modifying CTEs), outside any
   * transaction: atomic on its own, one round trip. Same schema rule as select(); for writes that
   * need more than one statement, use run().
   */
  async write<T>(scope: TenantScope | undefined, sql: (schema: string) => string, params: unknown[] = []): Promise<T[]> {
    return this.select<T>(scope, sql, params);
  }

  /**
   * One entity by its `id`, as a single select() statement (no transaction): the hot reads before
   * a call-out (a chat turn's agent) and single-row GETs. The row is built from TypeORM's metadata
   * (column -> property), so it is the same object repository.findOne would give; entities with
   * column transformers or relations are refused, since this bypasses them.
   */
  async findById<T extends ObjectLiteral>(scope: TenantScope | undefined, entity: EntityTarget<T>, id: string): Promise<T | undefined> {
    return (await this.findByIdWith<T, Record<string, never>>(scope, entity, id))?.row;
  }

  /**
   * findById, with more values computed by the same statement (subqueries over the row's related
   * tables): one round trip where several reads keyed by the same id would each take one. `extras`
   * receives the quoted schema and returns select items (`(SELECT …) AS "name"`, names that are not
   * properties of the entity; none: findById); `params` continue after the id ($2, $3…). Undefined when no
   * row has the id.
   */
  async findByIdWith<T extends ObjectLiteral, X extends Record<string, unknown>>(
    scope: TenantScope | undefined,
    entity: EntityTarget<T>,
    id: string,
    extras?: (schema: string) => string,
    params: unknown[] = [],
  ): Promise<{ row: T; extras: X } | undefined> {
    const { table, columns, properties } = this.selectListOf(entity);
    const list = (schema: string) => (extras ? `${columns}, ${extras(schema)}` : columns);
    const [raw] = await this.select<Record<string, unknown>>(scope, (schema) => `SELECT ${list(schema)} FROM ${schema}.${table} WHERE id = $1`, [id, ...params]);
    if (!raw) return undefined;
    const row = this.dataSource.getMetadata(entity).create() as Record<string, unknown>;
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) (properties.has(key) ? row : extra)[key] = value;
    return { row: row as T, extras: extra as X };
  }

  private selectListOf(entity: EntityTarget<ObjectLiteral>): SelectList {
    let list = this.selectLists.get(entity);
    if (!list) {
      const metadata = this.dataSource.getMetadata(entity);
      const unsupported = metadata.columns.find((column) => column.transformer || column.relationMetadata);
      if (unsupported || metadata.relations.length > 0) throw new Error(`TenantDb.findById does not support ${metadata.name} (transformers or relations)`);
      const columns = metadata.columns.map((column) => `"${column.databaseName}" AS "${column.propertyName}"`).join(', ');
      list = { table: `"${metadata.tableName}"`, columns, properties: new Set(metadata.columns.map((column) => column.propertyName)) };
      this.selectLists.set(entity, list);
    }
    return list;
  }
}

/** TypeORM keeps these on the runner; we manage BEGIN/COMMIT ourselves (see above). */
function setTransactionFlag(runner: QueryRunner, active: boolean): void {
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = active;
  state.transactionDepth = active ? 1 : 0;
}
