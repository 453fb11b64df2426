import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AgentEntity } from '../agents/agent.entity';
import { AgentsService } from '../agents/agents.service';
import { AgentDto } from '../agents/dto/agent.dto';
import type { MaturityLevel } from '../agents/maturity';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { AppError, invalidInput } from '../common/http/error-codes';
import { likePattern, paginate } from '../common/pagination/paginate';
import { TenantDb } from '../database/tenant-db';
import { MemoryService, readinessWindowSql, type ReadinessWindow } from '../memory/memory.service';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { WebhookEvents } from '../webhooks/webhook-events.service';
import { assessReadiness, EPISODE_COUNT_CAP, nextLevel, previousLevel, rank, READINESS_WINDOW, type Readiness } from './readiness';

export type HistoryType = 'exam' | 'manual' | 'demotion';

export interface HistoryRow {
  id: string;
  agent_id: string;
  from_level: MaturityLevel;
  to_level: MaturityLevel;
  type: HistoryType;
  actor_type: 'user' | 'api_key';
  actor_id: string;
  reason: string | null;
  readiness_score: number | null;
  exam_id: string | null;
  created_at: Date;
}

export interface Actor {
  type: 'user' | 'api_key';
  id: string;
}

const HISTORY_COLUMNS = 'id, agent_id, from_level, to_level, type, actor_type, actor_id, reason, readiness_score, exam_id, created_at';

/**
 * Readiness, level changes and their history. A level changes in one transaction that locks the
 * agent's row, writes the history entry and emits the event, so the three never disagree.
 */
@Injectable()
export class GraduationService {
  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly memory: MemoryService,
    private readonly events: WebhookEvents,
  ) {}

  /** Computes the agent's readiness for its next level and stores the score on the agent. */
  async readiness(ctx: AuthContext, agentId: string): Promise<Readiness & { agent_id: string }> {
    // A read (dashboards poll this route): one statement, one connection, no transaction.
    const [inputs] = await this.db.select<ReadinessInputs>(ctx.tenant, readinessInputsSql, [agentId, READINESS_WINDOW, EPISODE_COUNT_CAP]);
    if (!inputs) throw new AppError('AGENT_NOT_FOUND', `Agent '${agentId}' not found`);
    const readiness = assessReadiness(inputs.maturity_level, inputs, inputs.exam_pass_rate);
    if (inputs.readiness_score !== readiness.score) {
      await this.db.run(ctx.tenant, (em) => this.agents.setReadinessScore(em, agentId, readiness.score));
    }
    return { agent_id: agentId, ...readiness };
  }

  /** Inside a unit of work: readiness of `agent` at its current level with the given exam pass rate. */
  async assess(em: EntityManager, agent: Pick<AgentEntity, 'id' | 'maturityLevel'>, examPassRate: number | null): Promise<Readiness> {
    const window = await this.memory.readinessWindow(em, agent.id, READINESS_WINDOW, EPISODE_COUNT_CAP);
    return assessReadiness(agent.maturityLevel, window, examPassRate);
  }

  /** The pass rate of the agent's last completed exam; null before any. */
  async lastExamPassRate(em: EntityManager, agentId: string): Promise<number | null> {
    const [row] = (await em.query(
      `SELECT pass_rate FROM exams WHERE agent_id = $1 AND status = 'completed' ORDER BY completed_at DESC LIMIT 1`,
      [agentId],
    )) as { pass_rate: number }[];
    return row ? row.pass_rate : null;
  }

  async promote(ctx: AuthContext, agentId: string, reason: string, toLevel?: MaturityLevel) {
    return this.changeByHand(ctx, agentId, reason, toLevel, 'up');
  }

  async demote(ctx: AuthContext, agentId: string, reason: string, toLevel?: MaturityLevel) {
    return this.changeByHand(ctx, agentId, reason, toLevel, 'down');
  }

  /** Every level change of the agent, newest first by default; `q` searches the reasons. */
  async history(ctx: AuthContext, agentId: string, query: { page: number; limit: number; order: 'asc' | 'desc'; q?: string }): Promise<Paginated<HistoryRow>> {
    return this.db.run(ctx.tenant, async (em) => {
      await this.agents.findOrFail(em, agentId);
      const filter = `agent_id = $1${query.q ? ' AND reason ILIKE $2' : ''}`;
      const params: unknown[] = query.q ? [agentId, likePattern(query.q)] : [agentId];
      const [{ total }] = (await em.query(`SELECT count(*)::int AS total FROM maturity_history WHERE ${filter}`, params)) as { total: number }[];
      const direction = query.order === 'asc' ? 'ASC' : 'DESC';
      const rows = (await em.query(
        `SELECT ${HISTORY_COLUMNS} FROM maturity_history WHERE ${filter} ORDER BY created_at ${direction}, id ${direction}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, (query.page - 1) * query.limit],
      )) as HistoryRow[];
      return paginate(rows, total, query);
    });
  }

  /**
   * Inside the caller's unit of work (which locked the agent's row): moves the agent to `to`, records
   * the history entry and emits the event of its kind (agent.graduated for an exam, else
   * agent.promoted / agent.demoted).
   */
  async changeLevel(
    em: EntityManager,
    tenant: TenantRecord,
    agent: AgentEntity,
    change: { to: MaturityLevel; type: HistoryType; actor: Actor; reason: string | null; readinessScore: number | null; examId?: string },
  ): Promise<{ agent: AgentEntity; history: HistoryRow }> {
    const updated = await this.agents.setMaturity(em, agent.id, change.to, change.type === 'exam' ? change.readinessScore : undefined);
    const [history] = (await em.query(
      `INSERT INTO maturity_history (agent_id, from_level, to_level, type, actor_type, actor_id, reason, readiness_score, exam_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${HISTORY_COLUMNS}`,
      [agent.id, agent.maturityLevel, change.to, change.type, change.actor.type, change.actor.id, change.reason, change.readinessScore, change.examId ?? null],
    )) as HistoryRow[];
    if (change.type === 'exam') {
      // Exactly the reference's fields (design.md section 5).
      await this.events.emit(em, tenant, 'agent.graduated', {
        agent_id: agent.id,
        previous_level: agent.maturityLevel,
        new_level: change.to,
        readiness_score: change.readinessScore,
      });
    } else {
      await this.events.emit(em, tenant, change.type === 'manual' ? 'agent.promoted' : 'agent.demoted', AgentDto.from(updated));
    }
    return { agent: updated, history };
  }

  private async changeByHand(ctx: AuthContext, agentId: string, reason: string, toLevel: MaturityLevel | undefined, direction: 'up' | 'down') {
    return this.db.run(ctx.tenant, async (em) => {
      const agent = await this.agents.lockOrFail(em, agentId);
      const from = agent.maturityLevel;
      const to = toLevel ?? (direction === 'up' ? nextLevel(from) : previousLevel(from));
      if (to === null) {
        const message = direction === 'up' ? 'The agent is already autonomous: it cannot be promoted' : 'The agent is a student: it cannot be demoted';
        throw invalidInput(message, [{ field: 'to_level', errors: [message] }]);
      }
      if (direction === 'up' ? rank(to) <= rank(from) : rank(to) >= rank(from)) {
        const message = `to_level must be ${direction === 'up' ? 'above' : 'below'} the agent's current level (${from})`;
        throw invalidInput(message, [{ field: 'to_level', errors: [message] }]);
      }
      return this.changeLevel(em, ctx.tenant, agent, {
        to,
        type: direction === 'up' ? 'manual' : 'demotion',
        actor: { type: ctx.principal.type, id: ctx.principal.id },
        reason,
        readinessScore: agent.readinessScore,
      });
    });
  }
}

interface ReadinessInputs extends ReadinessWindow {
  maturity_level: MaturityLevel;
  readiness_score: number | null;
  exam_pass_rate: number | null;
}

/**
 * Everything readiness reads, in one round trip: the agent's level and stored score, its last
 * completed exam's pass rate and its episode window (defined by the memory module). No row when the
 * agent does not exist. $1 agent, $2 window size, $3 episode count cap.
 */
function readinessInputsSql(schema: string): string {
  return `SELECT a.maturity_level, a.readiness_score,
                 (SELECT x.pass_rate FROM ${schema}.exams x
                   WHERE x.agent_id = a.id AND x.status = 'completed' ORDER BY x.completed_at DESC LIMIT 1) AS exam_pass_rate,
                 w.*
            FROM ${schema}.agents a
           CROSS JOIN LATERAL (${readinessWindowSql(`${schema}.episodes`)}) w
           WHERE a.id = $1`;
}
