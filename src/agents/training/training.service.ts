import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../../auth/principal';
import { BackgroundWork } from '../../common/background-work';
import { AppError, invalidInput } from '../../common/http/error-codes';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import { TenantDb } from '../../database/tenant-db';
import type { TenantRecord } from '../../tenancy/tenant.entity';
import { WebhookEvents } from '../../webhooks/webhook-events.service';
import { MemoryService } from '../../memory/memory.service';
import { AgentsService } from '../agents.service';
import {
  DEFAULT_MAX_EXAMPLES, selectEdgeCaseExamples, selectExamples, type EdgeCaseCandidate, type SelectedExample, type TrainingSource,
} from './example-selection';
import { TRAINING_RUN_COLUMNS, type TrainingRunRow } from './training-run';

/** How many of an agent's best episodes a run looks at before deduplicating and capping. */
const CANDIDATE_WINDOW = 1000;
const HISTORY_LENGTH = 20;

export interface TrainingStatusView {
  current: TrainingRunRow | null;
  learned_examples: number;
  history: TrainingRunRow[];
}

/**
 * Training builds an agent's learned example set from its episodes and the feedback on them; later
 * executions send those examples to the model. A run works in this process after the 202: it is
 * tracked, shutdown waits for it (SHUTDOWN_GRACE_MS at most, then it is failed), and a run a crash
 * left queued or running is failed at the next start (TrainingRecovery). Each step is its own short
 * unit of work; the new example set replaces the old one in a single transaction.
 */
@Injectable()
export class TrainingService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Training');
  private readonly work = new BackgroundWork<TenantRecord>();
  private edgeCases?: EdgeCaseExampleSource;

  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly memory: MemoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: WebhookEvents,
  ) {}

  async start(ctx: AuthContext, agentId: string, options: { source?: TrainingSource; max_examples?: number }): Promise<TrainingRunRow> {
    const source = options.source ?? 'feedback';
    const maxExamples = options.max_examples ?? DEFAULT_MAX_EXAMPLES;
    if (source === 'edge_cases' && !this.edgeCases) {
      // Honest refusal rather than a "completed" run with nothing in it, which would also wipe the learned set.
      throw invalidInput('Training from edge cases is not available: no edge case source is installed', [
        { field: 'source', errors: ['edge_cases is not available; use feedback or episodes'] },
      ]);
    }
    this.work.assertAccepting();
    const run = await this.db.run(ctx.tenant, async (em) => {
      await this.agents.findOrFail(em, agentId);
      // The partial unique index allows one queued/running run per agent, whatever the concurrency.
      const [created] = (await em.query(
        `INSERT INTO training_runs (agent_id, source, max_examples, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (agent_id) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING ${TRAINING_RUN_COLUMNS}`,
        [agentId, source, maxExamples, ctx.principal.id],
      )) as TrainingRunRow[];
      if (created) return created;
      const [active] = (await em.query(
        `SELECT id, status FROM training_runs WHERE agent_id = $1 AND status IN ('queued', 'running')`,
        [agentId],
      )) as { id: string; status: string }[];
      throw new AppError(
        'CONFLICT',
        'The agent already has a training run in progress; wait for it to finish',
        active ? { training_run_id: active.id, status: active.status } : {},
      );
    });
    this.launch(ctx.tenant, run);
    return run;
  }

  async status(ctx: AuthContext, agentId: string): Promise<TrainingStatusView> {
    return this.db.run(ctx.tenant, async (em) => {
      await this.agents.findOrFail(em, agentId);
      const [current] = (await em.query(
        `SELECT ${TRAINING_RUN_COLUMNS} FROM training_runs WHERE agent_id = $1 AND status IN ('queued', 'running')`,
        [agentId],
      )) as TrainingRunRow[];
      const history = (await em.query(
        `SELECT ${TRAINING_RUN_COLUMNS} FROM training_runs WHERE agent_id = $1 AND status IN ('completed', 'failed')
          ORDER BY created_at DESC, id DESC LIMIT $2`,
        [agentId, HISTORY_LENGTH],
      )) as TrainingRunRow[];
      const [{ count }] = (await em.query('SELECT count(*)::int AS count FROM agent_examples WHERE agent_id = $1', [agentId])) as {
        count: number;
      }[];
      return { current: current ?? null, learned_examples: count, history };
    });
  }

  /** Waits for the runs in flight (bounded by SHUTDOWN_GRACE_MS); any still going then is failed. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const { id, context: tenant } of await this.work.drain(this.config.shutdownGraceMs)) {
      await this.fail(tenant, id, 'Interrupted: the server stopped during the run').catch(() => undefined);
    }
  }

  private launch(tenant: TenantRecord, run: TrainingRunRow): void {
    this.work.track(run.id, tenant, new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.execute(tenant, run)));
  }

  /** Never throws: a failure is recorded on the run. */
  private async execute(tenant: TenantRecord, run: TrainingRunRow): Promise<void> {
    try {
      if (!(await this.advance(tenant, run.id, 10, true))) return;
      const examples = await this.buildExamples(tenant, run);
      if (!examples) return;
      if (!(await this.advance(tenant, run.id, 80))) return;
      await this.complete(tenant, run, examples);
    } catch (error) {
      this.logger.error(`training run ${run.id} failed: ${(error as Error).stack ?? String(error)}`);
      await this.fail(tenant, run.id, 'Internal error during the training run').catch((failure: Error) =>
        this.logger.error(`training run ${run.id} could not be marked failed: ${failure.message}`),
      );
    }
  }

  /** The run's example set, by source; undefined when the run stopped being ours meanwhile. */
  private async buildExamples(tenant: TenantRecord, run: TrainingRunRow): Promise<SelectedExample[] | undefined> {
    if (run.source === 'edge_cases') {
      const source = this.edgeCases;
      if (!source) throw new Error('no edge case source installed');
      const cases = await this.db.run(tenant, (em) => source(em, run.agent_id));
      if (!(await this.advance(tenant, run.id, 60))) return undefined;
      return selectEdgeCaseExamples(cases, run.max_examples);
    }
    const candidates = await this.memory.trainingCandidates(tenant, run.agent_id, CANDIDATE_WINDOW);
    if (!(await this.advance(tenant, run.id, 60))) return undefined;
    return selectExamples(candidates, run.source as Exclude<TrainingSource, 'edge_cases'>, run.max_examples);
  }

  /**
   * Graduation owns edge cases and depends on agents, not the other way round: it hands training the
   * function that reads an agent's active edge cases (its own and the tenant-wide ones) at start-up.
   */
  useEdgeCases(source: EdgeCaseExampleSource): void {
    this.edgeCases = source;
  }

  /** Moves the run's progress on; false when it is no longer ours to move (failed by shutdown or recovery). */
  private async advance(tenant: TenantRecord, runId: string, progress: number, start = false): Promise<boolean> {
    const [, count] = (await this.db.run(tenant, (em) =>
      em.query(
        start
          ? `UPDATE training_runs SET status = 'running', started_at = now(), progress = $2 WHERE id = $1 AND status = 'queued'`
          : `UPDATE training_runs SET progress = $2 WHERE id = $1 AND status = 'running'`,
        [runId, progress],
      ),
    )) as [unknown, number];
    return count > 0;
  }

  /** One transaction: the agent's learned example set is replaced and the run completed, or neither. */
  private async complete(tenant: TenantRecord, run: TrainingRunRow, examples: SelectedExample[]): Promise<void> {
    await this.db.run(tenant, async (em) => {
      const [row] = (await em.query('SELECT status FROM training_runs WHERE id = $1 FOR UPDATE', [run.id])) as { status: string }[];
      if (row?.status !== 'running') return;
      await em.query('DELETE FROM agent_examples WHERE agent_id = $1', [run.agent_id]);
      await insertExamples(em, run, examples);
      await em.query(
        `UPDATE training_runs SET status = 'completed', progress = 100, examples_count = $2, completed_at = now() WHERE id = $1`,
        [run.id, examples.length],
      );
      await this.events.emit(em, tenant, 'training.completed', {
        agent_id: run.agent_id,
        training_run_id: run.id,
        source: run.source,
        examples_count: examples.length,
      });
    });
  }

  private async fail(tenant: TenantRecord, runId: string, error: string): Promise<void> {
    await this.db.run(tenant, (em) =>
      em.query(
        `UPDATE training_runs SET status = 'failed', error = $2, completed_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
        [runId, error],
      ),
    );
  }
}

/** Inside a tenant unit of work: the agent's active edge cases, its own and the tenant-wide ones. */
export type EdgeCaseExampleSource = (em: EntityManager, agentId: string) => Promise<EdgeCaseCandidate[]>;

async function insertExamples(em: EntityManager, run: TrainingRunRow, examples: SelectedExample[]): Promise<void> {
  if (examples.length === 0) return;
  const params: unknown[] = [];
  const rows = examples.map((example, index) => {
    const values = [run.agent_id, example.input, example.output, example.source_episode_id, example.origin, example.score, index + 1, run.id];
    return `(${values.map((value) => `$${params.push(value)}`).join(', ')})`;
  });
  await em.query(
    `INSERT INTO agent_examples (agent_id, input, output, source_episode_id, origin, score, rank, training_run_id) VALUES ${rows.join(', ')}`,
    params,
  );
}
