import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError, invalidInput } from '../common/http/error-codes';
import { Paginated } from '../common/http/envelope';
import { likePattern, paginate } from '../common/pagination/paginate';
import { TenantDb, type TenantScope } from '../database/tenant-db';
import { recallLimit, recallPatterns, recallSql, recallTerms, type RecalledEpisode } from '../memory/memory.service';
import { limitsFor } from '../tenancy/plans';
import { WebhookEvents } from '../webhooks/webhook-events.service';
import type { AuthContext } from '../auth/principal';
import { AgentEntity } from './agent.entity';
import { AgentDto, type AgentListQueryDto, type CreateAgentDto, type UpdateAgentDto } from './dto/agent.dto';
import { ActionRegistry } from './governance/actions';
import { MATURITY_LEVELS, type MaturityLevel } from './maturity';
import { learnedExamplesSql, PROMPT_MAX_EXAMPLES, type LearnedExample } from './training/learned-examples';
import { Deletions } from '../common/deletions';

// Maturity sorts by rank on the ladder, not alphabetically. Index agents_maturity_rank (tenant
// migration 0005) is this very expression: change one, change the other.
export const MATURITY_RANK = `array_position(ARRAY[${MATURITY_LEVELS.map((level) => `'${level}'`).join(', ')}]::text[], a.maturity_level)`;
const SORT_EXPRESSIONS: Record<AgentListQueryDto['sort'], string> = {
  created_at: 'a.created_at',
  updated_at: 'a.updated_at',
  name: 'lower(a.name)',
  maturity_level: MATURITY_RANK,
};

export interface AgentPromptContext {
  agent: AgentEntity;
  examples: LearnedExample[];
  recalled: RecalledEpisode[];
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly db: TenantDb,
    private readonly events: WebhookEvents,
    private readonly actions: ActionRegistry,
    private readonly deletions: Deletions,
  ) {}

  async list(ctx: AuthContext, query: AgentListQueryDto): Promise<Paginated<AgentEntity>> {
    return this.db.run(ctx.tenant, async (em) => {
      const qb = em.getRepository(AgentEntity).createQueryBuilder('a');
      if (query.maturity_level) qb.andWhere('a.maturity_level = :maturity', { maturity: query.maturity_level });
      if (query.status) qb.andWhere('a.status = :status', { status: query.status });
      if (query.q) {
        // Served by the per-column trigram indexes of tenant migration 0005 (3+ characters of q).
        qb.andWhere('(a.name ILIKE :q OR a.role ILIKE :q OR a.description ILIKE :q)', { q: likePattern(query.q) });
      }
      const direction = query.order === 'asc' ? 'ASC' : 'DESC';
      const total = await qb.getCount();
      // limit/offset rather than skip/take: no joins, and raw sort expressions stay as written.
      const rows = await qb
        .orderBy(SORT_EXPRESSIONS[query.sort], direction)
        .addOrderBy('a.id', direction)
        .limit(query.limit)
        .offset((query.page - 1) * query.limit)
        .getMany();
      return paginate(rows, total, query);
    });
  }

  async get(ctx: AuthContext, id: string): Promise<AgentEntity> {
    return this.readOrFail(ctx.tenant, id);
  }

  /** The agent right now, as one statement outside any unit of work, or 404 AGENT_NOT_FOUND. */
  async readOrFail(tenant: TenantScope, id: string): Promise<AgentEntity> {
    const agent = await this.db.findById(tenant, AgentEntity, id);
    if (!agent) throw agentNotFound(id);
    return agent;
  }

  /**
   * The agent and what a prompt for `task` needs from the database (its learned examples, the
   * episodes recalled for the task), as one statement outside any unit of work: one round trip and
   * one pooled connection where three reads took three. 404 AGENT_NOT_FOUND.
   */
  async readWithPromptContext(tenant: TenantScope, id: string, task: string, recallCount: number): Promise<AgentPromptContext> {
    const terms = recallTerms(task);
    // $1 the agent, $2 how many examples; with terms to recall, $3 how many episodes and $4… their patterns.
    const found = await this.db.findByIdWith<AgentEntity, { examples: LearnedExample[]; recalled: RecalledEpisode[] }>(
      tenant,
      AgentEntity,
      id,
      (schema) => {
        const examples = learnedExamplesSql(`${schema}.agent_examples`, '$1', '$2');
        const recalled = terms.length === 0 ? `'[]'::json` : `(SELECT coalesce(json_agg(r), '[]'::json) FROM (${recallSql(schema, terms.length, 4, '$3')}) r)`;
        return `(SELECT coalesce(json_agg(e), '[]'::json) FROM (${examples}) e) AS "examples", ${recalled} AS "recalled"`;
      },
      terms.length === 0 ? [PROMPT_MAX_EXAMPLES] : [PROMPT_MAX_EXAMPLES, recallLimit(recallCount), ...recallPatterns(terms)],
    );
    if (!found) throw agentNotFound(id);
    // json_agg gives the recalled episodes' completed_at as text.
    const episodes = found.extras.recalled.map((episode) => ({ ...episode, completed_at: new Date(episode.completed_at) }));
    return { agent: found.row, examples: found.extras.examples, recalled: episodes };
  }

  /**
   * The plan's agent limit holds under concurrent creates: counting and inserting happen under a
   * per-tenant advisory lock, so two requests cannot both see room for one more.
   */
  async create(ctx: AuthContext, dto: CreateAgentDto): Promise<AgentEntity> {
    this.assertKnownTools(dto.tools);
    return this.db.run(ctx.tenant, async (em) => {
      const { maxAgents } = limitsFor(ctx.tenant);
      if (maxAgents !== null) {
        await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`atom:agents:${ctx.tenant.schema}`]);
        const current = await em.getRepository(AgentEntity).count();
        if (current >= maxAgents) {
          throw new AppError(
            'AGENT_LIMIT_EXCEEDED',
            `The ${ctx.tenant.plan} plan allows ${maxAgents} agent${maxAgents === 1 ? '' : 's'}; delete one or upgrade`,
            { limit: maxAgents, current, plan: ctx.tenant.plan },
          );
        }
      }
      const repo = em.getRepository(AgentEntity);
      const saved = await repo.save(
        repo.create({
          name: dto.name,
          role: dto.role,
          description: dto.description ?? null,
          systemPrompt: dto.system_prompt ?? null,
          model: dto.model ?? null,
          tools: dto.tools ?? [],
          config: dto.config ?? {},
          createdBy: ctx.principal.id,
        }),
      );
      const agent = await this.findOrFail(em, saved.id);
      await this.events.emit(em, ctx.tenant, 'agent.created', AgentDto.from(agent));
      return agent;
    });
  }

  async update(ctx: AuthContext, id: string, dto: UpdateAgentDto): Promise<AgentEntity> {
    this.assertKnownTools(dto.tools);
    return this.db.run(ctx.tenant, async (em) => {
      const agent = await this.findOrFail(em, id);
      const changes: Partial<AgentEntity> = {};
      if (dto.name !== undefined) changes.name = dto.name;
      if (dto.role !== undefined) changes.role = dto.role;
      if (dto.description !== undefined) changes.description = dto.description;
      if (dto.system_prompt !== undefined) changes.systemPrompt = dto.system_prompt;
      if (dto.model !== undefined) changes.model = dto.model;
      if (dto.tools !== undefined) changes.tools = dto.tools;
      if (dto.config !== undefined) changes.config = dto.config;
      if (dto.status !== undefined) changes.status = dto.status;
      await em.getRepository(AgentEntity).save(Object.assign(agent, changes, { updatedAt: new Date() }));
      const updated = await this.findOrFail(em, id);
      await this.events.emit(em, ctx.tenant, 'agent.updated', AgentDto.from(updated));
      return updated;
    });
  }

  /**
   * Deletes the agent and everything that belongs to it (later tables reference it ON DELETE CASCADE).
   * The row is locked before it is read for the event: of concurrent deletes of one agent, the others
   * wait for the first to commit, then find no row (404), so one delete answers 200 and emits one
   * `agent.deleted`. (A plain read let each of them see the agent and emit its own event.)
   */
  async remove(ctx: AuthContext, id: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      const agent = await this.lockOrFail(em, id);
      await em.getRepository(AgentEntity).delete({ id });
      await this.events.emit(em, ctx.tenant, 'agent.deleted', AgentDto.from(agent));
    });
    this.deletions.agentDeleted(ctx.tenant.id, id);
  }

  /** The agent's level right now (one statement, no transaction); undefined when it is gone. */
  async currentMaturity(tenant: TenantScope, id: string): Promise<MaturityLevel | undefined> {
    const [row] = await this.db.select<{ maturity_level: MaturityLevel }>(tenant, (schema) => `SELECT maturity_level FROM ${schema}.agents WHERE id = $1`, [id]);
    return row?.maturity_level;
  }

  /** Inside a caller's unit of work: the agent, or 404 AGENT_NOT_FOUND. */
  async findOrFail(em: EntityManager, id: string): Promise<AgentEntity> {
    const agent = await em.getRepository(AgentEntity).findOne({ where: { id } });
    if (!agent) throw agentNotFound(id);
    return agent;
  }

  /** Inside a caller's unit of work: the agent with its row locked until the transaction ends (level changes), or 404. */
  async lockOrFail(em: EntityManager, id: string): Promise<AgentEntity> {
    const agent = await em.getRepository(AgentEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!agent) throw agentNotFound(id);
    return agent;
  }

  /** Graduation's write: the agent's maturity level (nothing else changes it). Returns the updated agent. */
  async setMaturity(em: EntityManager, id: string, level: MaturityLevel, readinessScore?: number | null): Promise<AgentEntity> {
    const changes: { maturityLevel: MaturityLevel; updatedAt: Date; readinessScore?: number | null } = { maturityLevel: level, updatedAt: new Date() };
    if (readinessScore !== undefined) changes.readinessScore = readinessScore;
    await em.getRepository(AgentEntity).update({ id }, changes);
    return this.findOrFail(em, id);
  }

  /** The latest computed readiness score (graduation), without touching updated_at. */
  async setReadinessScore(em: EntityManager, id: string, score: number): Promise<void> {
    // Only when it changed: readiness is read often, and a write per read would queue concurrent reads on the row's lock.
    await em.query('UPDATE agents SET readiness_score = $2 WHERE id = $1 AND readiness_score IS DISTINCT FROM $2', [id, score]);
  }

  /** A tool the server has no action for would be dropped silently at every run: a typo is a 400 instead. */
  private assertKnownTools(tools: string[] | null | undefined): void {
    const unknown = (tools ?? []).filter((name) => !this.actions.has(name));
    if (unknown.length === 0) return;
    const available = this.actions.list().map((action) => action.name).join(', ');
    throw invalidInput(`Unknown tool${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, [
      { field: 'tools', errors: unknown.map((name) => `tool '${name}' does not exist; the available tools are ${available}`) },
    ]);
  }
}

function agentNotFound(id: string): AppError {
  return new AppError('AGENT_NOT_FOUND', `Agent '${id}' not found`);
}
