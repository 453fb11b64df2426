import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentsService } from '../agents/agents.service';
import { TrainingService } from '../agents/training/training.service';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { AppError, invalidInput } from '../common/http/error-codes';
import { likePattern, paginate } from '../common/pagination/paginate';
import { TenantDb } from '../database/tenant-db';
import type { Expected } from './grading';
import { PatternSandbox } from './pattern-sandbox';

export const EDGE_CASE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof EDGE_CASE_SEVERITIES)[number];
export const EDGE_CASE_SORTS = ['created_at', 'updated_at', 'title', 'severity', 'times_tested', 'last_tested_at'] as const;
export type EdgeCaseSort = (typeof EDGE_CASE_SORTS)[number];

export interface EdgeCaseRow {
  id: string;
  agent_id: string | null;
  title: string;
  input: string;
  expected_type: Expected['type'];
  expected_value: string;
  category: string;
  severity: Severity;
  active: boolean;
  times_tested: number;
  times_passed: number;
  last_tested_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface EdgeCaseInput {
  title?: string;
  input?: string;
  expected?: Expected;
  category?: string;
  severity?: Severity;
  agent_id?: string | null;
  active?: boolean;
}

export interface EdgeCaseListQuery {
  page: number;
  limit: number;
  order: 'asc' | 'desc';
  sort: EdgeCaseSort;
  q?: string;
  agent_id?: string;
  scope?: 'agent' | 'tenant';
  category?: string;
  severity?: Severity;
  active?: boolean;
}

const COLUMNS =
  'id, agent_id, title, input, expected_type, expected_value, category, severity, active, times_tested, times_passed, last_tested_at, created_by, created_at, updated_at';

const SORT_SQL: Record<EdgeCaseSort, string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  title: 'lower(title)',
  severity: "array_position(ARRAY['low', 'medium', 'high', 'critical']::text[], severity)",
  times_tested: 'times_tested',
  last_tested_at: 'last_tested_at',
};

/** Edge cases: the exam's questions, tenant-wide (agent_id null) or an agent's own. */
@Injectable()
export class EdgeCasesService implements OnModuleInit {
  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly training: TrainingService,
    private readonly patterns: PatternSandbox,
  ) {}

  /** Training's `edge_cases` source reads the same questions the exam asks. */
  onModuleInit(): void {
    this.training.useEdgeCases(async (em, agentId) =>
      (await this.activeFor(em, agentId)).map((edge) => ({
        input: edge.input,
        expected_type: edge.expected_type,
        expected_value: edge.expected_value,
        severity: edge.severity,
        created_at: edge.created_at,
      })),
    );
  }

  /** An invalid or too costly regex is refused when written, not discovered during an exam. */
  private async assertExpected(ctx: AuthContext, expected: Expected | undefined): Promise<void> {
    if (expected?.type !== 'regex') return;
    const error = await this.patterns.check(expected.value, ctx.tenant.schema);
    if (error) throw invalidInput(`expected.value: ${error}`, [{ field: 'expected.value', errors: [error] }]);
  }

  async create(ctx: AuthContext, input: Required<Pick<EdgeCaseInput, 'title' | 'input' | 'expected'>> & EdgeCaseInput): Promise<EdgeCaseRow> {
    await this.assertExpected(ctx, input.expected);
    return this.db.run(ctx.tenant, async (em) => {
      if (input.agent_id) await this.agents.findOrFail(em, input.agent_id);
      const [row] = (await em.query(
        `INSERT INTO edge_cases (agent_id, title, input, expected_type, expected_value, category, severity, active, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [
          input.agent_id ?? null,
          input.title,
          input.input,
          input.expected.type,
          input.expected.value,
          input.category ?? 'general',
          input.severity ?? 'medium',
          input.active ?? true,
          ctx.principal.id,
        ],
      )) as EdgeCaseRow[];
      return row;
    });
  }

  async list(ctx: AuthContext, query: EdgeCaseListQuery): Promise<Paginated<EdgeCaseRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => where.push(sql(`$${params.push(value)}`));
    if (query.agent_id) add((p) => `agent_id = ${p}`, query.agent_id);
    if (query.scope === 'tenant') where.push('agent_id IS NULL');
    if (query.scope === 'agent') where.push('agent_id IS NOT NULL');
    if (query.category) add((p) => `category = ${p}`, query.category);
    if (query.severity) add((p) => `severity = ${p}`, query.severity);
    if (query.active !== undefined) add((p) => `active = ${p}`, query.active);
    if (query.q) add((p) => `(title ILIKE ${p} OR input ILIKE ${p})`, likePattern(query.q));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    return this.db.run(ctx.tenant, async (em) => {
      const [{ total }] = (await em.query(`SELECT count(*)::int AS total FROM edge_cases ${filter}`, params)) as { total: number }[];
      const rows = (await em.query(
        `SELECT ${COLUMNS} FROM edge_cases ${filter}
          ORDER BY ${SORT_SQL[query.sort]} ${direction} NULLS LAST, id ${direction}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, (query.page - 1) * query.limit],
      )) as EdgeCaseRow[];
      return paginate(rows, total, query);
    });
  }

  async get(ctx: AuthContext, id: string): Promise<EdgeCaseRow> {
    return this.db.run(ctx.tenant, (em) => this.findOrFail(em, id));
  }

  async update(ctx: AuthContext, id: string, input: EdgeCaseInput): Promise<EdgeCaseRow> {
    await this.assertExpected(ctx, input.expected);
    return this.db.run(ctx.tenant, async (em) => {
      await this.findOrFail(em, id);
      if (input.agent_id) await this.agents.findOrFail(em, input.agent_id);
      const sets: string[] = [];
      const params: unknown[] = [id];
      const set = (column: string, value: unknown) => sets.push(`${column} = $${params.push(value)}`);
      if (input.title !== undefined) set('title', input.title);
      if (input.input !== undefined) set('input', input.input);
      if (input.expected !== undefined) {
        set('expected_type', input.expected.type);
        set('expected_value', input.expected.value);
      }
      if (input.category !== undefined) set('category', input.category);
      if (input.severity !== undefined) set('severity', input.severity);
      if (input.agent_id !== undefined) set('agent_id', input.agent_id);
      if (input.active !== undefined) set('active', input.active);
      const [rows] = (await em.query(
        `UPDATE edge_cases SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
        params,
      )) as [EdgeCaseRow[], number];
      return rows[0];
    });
  }

  async remove(ctx: AuthContext, id: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      const [, count] = (await em.query('DELETE FROM edge_cases WHERE id = $1', [id])) as [unknown, number];
      if (count === 0) throw edgeCaseNotFound(id);
    });
  }

  /** The exam's questions for an agent: its own active cases and the tenant-wide ones, oldest first. */
  async activeFor(em: EntityManager, agentId: string): Promise<EdgeCaseRow[]> {
    return (await em.query(
      `SELECT ${COLUMNS} FROM edge_cases WHERE active AND (agent_id = $1 OR agent_id IS NULL) ORDER BY created_at, id`,
      [agentId],
    )) as EdgeCaseRow[];
  }

  /** After an exam: each case's stats, atomically (a case deleted meanwhile is simply skipped). */
  async recordResults(em: EntityManager, results: { edge_case_id: string; passed: boolean }[]): Promise<void> {
    for (const result of results) {
      await em.query(
        `UPDATE edge_cases SET times_tested = times_tested + 1, times_passed = times_passed + $2, last_tested_at = now() WHERE id = $1`,
        [result.edge_case_id, result.passed ? 1 : 0],
      );
    }
  }

  private async findOrFail(em: EntityManager, id: string): Promise<EdgeCaseRow> {
    const [row] = (await em.query(`SELECT ${COLUMNS} FROM edge_cases WHERE id = $1`, [id])) as EdgeCaseRow[];
    if (!row) throw edgeCaseNotFound(id);
    return row;
  }
}

function edgeCaseNotFound(id: string): AppError {
  return new AppError('NOT_FOUND', `Edge case '${id}' not found`);
}
