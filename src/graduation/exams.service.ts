import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service';
import { assertAgentActive } from '../agents/agent-status';
import { ExecutionService } from '../agents/execution/execution.service';
import type { MaturityLevel } from '../agents/maturity';
import type { AuthContext } from '../auth/principal';
import { BackgroundWork } from '../common/background-work';
import { AppError, invalidInput } from '../common/http/error-codes';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TenantDb } from '../database/tenant-db';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { EdgeCasesService, type EdgeCaseRow } from './edge-cases.service';
import { grade } from './grading';
import { PatternSandbox } from './pattern-sandbox';
import { GraduationService, type Actor } from './graduation.service';
import { LEVEL_REQUIREMENTS, nextLevel, type Readiness } from './readiness';

/** More cases than this: the exam answers 202 at once and goes on in the background. */
export const SYNC_EXAM_MAX_CASES = 10;

export interface ExamCaseResult {
  edge_case_id: string;
  title: string;
  severity: string;
  passed: boolean;
  output: string | null;
  reason: string;
  execution_id: string | null;
}

export interface ExamRow {
  id: string;
  agent_id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  level: MaturityLevel;
  target_level: MaturityLevel;
  required_pass_rate: number;
  cases_total: number;
  cases_done: number;
  cases: ExamCaseResult[];
  passed: boolean | null;
  score: number | null;
  pass_rate: number | null;
  readiness: (Readiness & { agent_id: string }) | null;
  promoted: boolean;
  new_level: MaturityLevel | null;
  cooldown_until: Date | null;
  error: string | null;
  actor_type: 'user' | 'api_key';
  actor_id: string;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

const EXAM_COLUMNS =
  'id, agent_id, status, level, target_level, required_pass_rate, cases_total, cases_done, cases, passed, score, pass_rate, readiness, ' +
  'promoted, new_level, cooldown_until, error, actor_type, actor_id, created_at, started_at, completed_at';

/**
 * Exams: every active edge case of the agent (its own and the tenant-wide ones) runs through the real
 * execution engine in exam mode (actions simulated, no episodes), is graded against its expectation,
 * and the whole is judged with the agent's readiness. No connection is held while the model works:
 * each case is its own execution; the verdict, the stats, the promotion, the history entry and the
 * `agent.graduated` event are written in one final transaction. An exam in flight is tracked, shutdown
 * waits for it (SHUTDOWN_GRACE_MS), and one a crash left behind is failed at the next start.
 */
@Injectable()
export class ExamsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Graduation');
  private readonly work = new BackgroundWork<TenantRecord>();

  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly executions: ExecutionService,
    private readonly edgeCases: EdgeCasesService,
    private readonly graduation: GraduationService,
    private readonly patterns: PatternSandbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts an exam: the finished exam (synchronous) or the queued one (`accepted`, 202). */
  async start(ctx: AuthContext, agentId: string, options: { async?: boolean } = {}): Promise<{ exam: ExamRow; accepted: boolean }> {
    this.work.assertAccepting();
    const actor: Actor = { type: ctx.principal.type, id: ctx.principal.id };
    const { exam, cases } = await this.db.run(ctx.tenant, async (em) => {
      // The agent's row lock serialises concurrent starts; the partial unique index backs it up.
      const agent = await this.agents.lockOrFail(em, agentId);
      const target = nextLevel(agent.maturityLevel);
      if (target === null) {
        throw invalidInput('An autonomous agent cannot sit an exam: there is no higher level', [
          { field: 'id', errors: ['the agent is already autonomous'] },
        ]);
      }
      assertAgentActive(agent, 'sit an exam');
      const [running] = (await em.query(`SELECT id, status FROM exams WHERE agent_id = $1 AND status IN ('queued', 'running')`, [agentId])) as {
        id: string;
        status: string;
      }[];
      if (running) throw new AppError('CONFLICT', 'The agent is already sitting an exam', { exam_id: running.id, status: running.status });
      const [cooling] = (await em.query(
        `SELECT id, cooldown_until, ceil(extract(epoch FROM cooldown_until - now()))::int AS seconds FROM exams
          WHERE agent_id = $1 AND cooldown_until > now() ORDER BY cooldown_until DESC LIMIT 1`,
        [agentId],
      )) as { id: string; cooldown_until: Date; seconds: number }[];
      if (cooling) {
        const until = new Date(cooling.cooldown_until).toISOString();
        throw new AppError(
          'CONFLICT',
          `The agent failed an exam recently: the next one can start at ${until}`,
          { cooldown_until: until, exam_id: cooling.id },
          { 'Retry-After': String(Math.max(1, cooling.seconds)) },
        );
      }
      const questions = await this.edgeCases.activeFor(em, agentId);
      if (questions.length === 0) {
        throw invalidInput('The agent has no active edge case (its own or tenant-wide): there is nothing to examine it on', [
          { field: 'id', errors: ['no active edge case for this agent'] },
        ]);
      }
      const background = questions.length > SYNC_EXAM_MAX_CASES || options.async === true;
      const [created] = (await em.query(
        `INSERT INTO exams (agent_id, status, level, target_level, required_pass_rate, cases_total, actor_type, actor_id, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${EXAM_COLUMNS}`,
        [
          agentId,
          background ? 'queued' : 'running',
          agent.maturityLevel,
          target,
          LEVEL_REQUIREMENTS[target as Exclude<MaturityLevel, 'student'>].exam_pass_rate,
          questions.length,
          actor.type,
          actor.id,
          background ? null : new Date(),
        ],
      )) as ExamRow[];
      return { exam: created, cases: questions };
    });
    if (exam.status === 'queued') {
      this.track(ctx.tenant, exam.id, new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(ctx.tenant, exam, cases, actor)));
      return { exam, accepted: true };
    }
    const done = this.run(ctx.tenant, exam, cases, actor);
    this.track(ctx.tenant, exam.id, done);
    return { exam: await done, accepted: false };
  }

  async get(ctx: AuthContext, examId: string): Promise<ExamRow> {
    return this.db.run(ctx.tenant, async (em) => {
      const [exam] = (await em.query(`SELECT ${EXAM_COLUMNS} FROM exams WHERE id = $1`, [examId])) as ExamRow[];
      if (!exam) throw new AppError('NOT_FOUND', `Exam '${examId}' not found`);
      return exam;
    });
  }

  /** Waits for the exams in flight (bounded by SHUTDOWN_GRACE_MS); any still going then is failed. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const { id, context: tenant } of await this.work.drain(this.config.shutdownGraceMs)) {
      await this.fail(tenant, id, 'Interrupted: the server stopped during the exam').catch(() => undefined);
    }
  }

  private track(tenant: TenantRecord, examId: string, done: Promise<unknown>): void {
    this.work.track(examId, tenant, done);
  }

  /** Never throws: a crash fails the exam (no verdict, no cool-down) and answers it as it was left. */
  private async run(tenant: TenantRecord, exam: ExamRow, cases: EdgeCaseRow[], actor: Actor): Promise<ExamRow> {
    try {
      if (exam.status === 'queued') {
        const [, started] = (await this.db.run(tenant, (em) =>
          em.query(`UPDATE exams SET status = 'running', started_at = now() WHERE id = $1 AND status = 'queued'`, [exam.id]),
        )) as [unknown, number];
        if (started === 0) return await this.reload(tenant, exam.id);
      }
      const results: ExamCaseResult[] = [];
      for (const edgeCase of cases) {
        results.push(await this.ask(tenant, exam.agent_id, edgeCase, actor));
        const [, still] = (await this.db.run(tenant, (em) =>
          em.query(`UPDATE exams SET cases_done = $2, cases = $3 WHERE id = $1 AND status = 'running'`, [exam.id, results.length, JSON.stringify(results)]),
        )) as [unknown, number];
        if (still === 0) return await this.reload(tenant, exam.id); // failed by shutdown or recovery meanwhile
      }
      return await this.judge(tenant, exam, results, actor);
    } catch (error) {
      this.logger.error(`exam ${exam.id} failed: ${(error as Error).stack ?? String(error)}`);
      await this.fail(tenant, exam.id, 'Internal error during the exam').catch(() => undefined);
      return this.reload(tenant, exam.id).catch(() => ({ ...exam, status: 'failed' as const, error: 'Internal error during the exam' }));
    }
  }

  /** One question: a real execution in exam mode, graded against the case's expectation. */
  private async ask(tenant: TenantRecord, agentId: string, edgeCase: EdgeCaseRow, actor: Actor): Promise<ExamCaseResult> {
    const execution = await this.executions.runForExam(tenant, agentId, edgeCase.input, actor.id);
    const verdict = await grade({ type: edgeCase.expected_type, value: edgeCase.expected_value }, execution.output, this.patterns.matcherFor(tenant.schema));
    const run = execution.status === 'success' ? '' : ` (the run ended ${execution.status}${execution.error ? `: ${execution.error}` : ''})`;
    return {
      edge_case_id: edgeCase.id,
      title: edgeCase.title,
      severity: edgeCase.severity,
      passed: verdict.passed,
      output: execution.output,
      reason: `${verdict.reason}${run}`,
      execution_id: execution.id,
    };
  }

  /**
   * One transaction: the verdict, each case's stats, and either the promotion (history entry and
   * agent.graduated event) or the cool-down. Readiness is judged at the level the exam was sat at,
   * with this exam's pass rate as its edge-case component. An agent whose level an admin changed
   * during the exam is not promoted by it (and gets no cool-down).
   */
  private async judge(tenant: TenantRecord, exam: ExamRow, results: ExamCaseResult[], actor: Actor): Promise<ExamRow> {
    return this.db.run(tenant, async (em) => {
      const [current] = (await em.query('SELECT status FROM exams WHERE id = $1 FOR UPDATE', [exam.id])) as { status: string }[];
      if (current?.status !== 'running') return this.reloadIn(em, exam.id);
      const agent = await this.agents.lockOrFail(em, exam.agent_id);
      const passedCount = results.filter((result) => result.passed).length;
      const passRate = Math.round((passedCount / results.length) * 1e6) / 1e6;
      const readiness = { agent_id: agent.id, ...(await this.graduation.assess(em, { id: agent.id, maturityLevel: exam.level }, passRate)) };
      const sameLevel = agent.maturityLevel === exam.level;
      const passed = sameLevel && readiness.ready && passRate >= exam.required_pass_rate;
      await this.edgeCases.recordResults(em, results);
      if (passed) {
        await this.graduation.changeLevel(em, tenant, agent, {
          to: exam.target_level,
          type: 'exam',
          actor,
          reason: `Passed the graduation exam: ${passedCount} of ${results.length} cases (pass rate ${passRate}, required ${exam.required_pass_rate})`,
          readinessScore: readiness.score,
          examId: exam.id,
        });
      } else {
        await this.agents.setReadinessScore(em, agent.id, readiness.score);
      }
      const cooldown = !passed && sameLevel ? this.config.graduationExamCooldownSeconds : null;
      const [rows] = (await em.query(
        `UPDATE exams SET status = 'completed', passed = $2, score = $3, pass_rate = $4, readiness = $5, promoted = $2, new_level = $6,
                cases = $7, cases_done = $8, completed_at = now(),
                cooldown_until = CASE WHEN $9::int IS NULL THEN NULL ELSE now() + make_interval(secs => $9::int) END
          WHERE id = $1 RETURNING ${EXAM_COLUMNS}`,
        [exam.id, passed, readiness.score, passRate, JSON.stringify(readiness), passed ? exam.target_level : null, JSON.stringify(results), results.length, cooldown],
      )) as [ExamRow[], number];
      return rows[0];
    });
  }

  private async fail(tenant: TenantRecord, examId: string, error: string): Promise<void> {
    await this.db.run(tenant, (em) =>
      em.query(`UPDATE exams SET status = 'failed', error = $2, completed_at = now() WHERE id = $1 AND status IN ('queued', 'running')`, [examId, error]),
    );
  }

  private reload(tenant: TenantRecord, examId: string): Promise<ExamRow> {
    return this.db.run(tenant, (em) => this.reloadIn(em, examId));
  }

  private async reloadIn(em: { query: (sql: string, params: unknown[]) => Promise<unknown> }, examId: string): Promise<ExamRow> {
    const [exam] = (await em.query(`SELECT ${EXAM_COLUMNS} FROM exams WHERE id = $1`, [examId])) as ExamRow[];
    return exam;
  }
}
