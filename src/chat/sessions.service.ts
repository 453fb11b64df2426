import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentsService } from '../agents/agents.service';
import { roleAtLeast, type AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { AppError, invalidInput } from '../common/http/error-codes';
import { likePattern, paginate } from '../common/pagination/paginate';
import { TenantDb } from '../database/tenant-db';
import { MESSAGE_COLUMNS, SESSION_COLUMNS, type MessageRow, type SessionRow } from './chat.types';
import type { CreateSessionDto, SessionGetQueryDto, SessionListQueryDto, SessionSort } from './dto/session.dto';
import { TurnRegistry } from './turn-registry';

const MAX_METADATA_BYTES = 16 * 1024;

const SORT_COLUMNS: Record<SessionSort, string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  last_message_at: 'last_message_at',
};

/**
 * Who sees a session: admins and owners every session of their tenant; members (and member API keys)
 * only the ones they created. Anything else is answered like a session that does not exist (404).
 */
export function seesAllSessions(ctx: AuthContext): boolean {
  return roleAtLeast(ctx.principal.role, 'admin');
}

export function sessionNotFound(id: string): AppError {
  return new AppError('NOT_FOUND', `Session '${id}' not found`);
}

@Injectable()
export class SessionsService {
  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly registry: TurnRegistry,
  ) {}

  async create(ctx: AuthContext, dto: CreateSessionDto): Promise<SessionRow> {
    assertMetadataSize(dto.metadata);
    return this.db.run(ctx.tenant, async (em) => {
      await this.agents.findOrFail(em, dto.agent_id);
      return this.insert(em, ctx, dto.agent_id, dto.title ?? null, dto.metadata ?? {});
    });
  }

  /** Inside the caller's unit of work (which checked the agent). */
  async insert(em: EntityManager, ctx: AuthContext, agentId: string, title: string | null, metadata: Record<string, unknown>): Promise<SessionRow> {
    const [row] = (await em.query(
      `INSERT INTO chat_sessions (agent_id, title, metadata, owner_type, owner_id) VALUES ($1, $2, $3, $4, $5) RETURNING ${SESSION_COLUMNS}`,
      [agentId, title, JSON.stringify(metadata), ctx.principal.type, ctx.principal.id],
    )) as SessionRow[];
    return row;
  }

  async list(ctx: AuthContext, query: SessionListQueryDto): Promise<Paginated<SessionRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (!seesAllSessions(ctx)) where.push(`owner_type = ${param(ctx.principal.type)} AND owner_id = ${param(ctx.principal.id)}`);
    if (query.agent_id) where.push(`agent_id = ${param(query.agent_id)}`);
    if (query.q) where.push(`title ILIKE ${param(likePattern(query.q))}`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    return this.db.run(ctx.tenant, async (em) => {
      const [{ total }] = (await em.query(`SELECT count(*)::int AS total FROM chat_sessions ${filter}`, params)) as { total: number }[];
      const rows = (await em.query(
        `SELECT ${SESSION_COLUMNS} FROM chat_sessions ${filter}
          ORDER BY ${SORT_COLUMNS[query.sort]} ${direction} NULLS LAST, created_at ${direction}, id ${direction}
          LIMIT ${param(query.limit)} OFFSET ${param((query.page - 1) * query.limit)}`,
        params,
      )) as SessionRow[];
      return paginate(rows, total, query);
    });
  }

  async get(ctx: AuthContext, id: string, query: SessionGetQueryDto): Promise<{ session: SessionRow; messages: Paginated<MessageRow> }> {
    return this.db.run(ctx.tenant, async (em) => {
      const session = await this.findVisible(em, ctx, id);
      const rows = (await em.query(`SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE session_id = $1 ORDER BY seq LIMIT $2 OFFSET $3`, [
        id,
        query.messages_limit,
        (query.messages_page - 1) * query.messages_limit,
      ])) as MessageRow[];
      const [{ total }] = (await em.query('SELECT count(*)::int AS total FROM chat_messages WHERE session_id = $1', [id])) as { total: number }[];
      return { session, messages: paginate(rows, total, { page: query.messages_page, limit: query.messages_limit }) };
    });
  }

  /** Removes the session and its messages; a turn still running in it is interrupted (its answer is not stored). */
  async remove(ctx: AuthContext, id: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      await this.findVisible(em, ctx, id);
      await em.query('DELETE FROM chat_sessions WHERE id = $1', [id]);
    });
    this.registry.interruptSession(ctx.tenant.id, id);
  }

  /** Inside the caller's unit of work: the session if the caller may see it, else 404 (also for another tenant's id). */
  async findVisible(em: EntityManager, ctx: AuthContext, id: string, lock = false): Promise<SessionRow> {
    const [row] = (await em.query(`SELECT ${SESSION_COLUMNS} FROM chat_sessions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])) as SessionRow[];
    if (!row || !this.canSee(ctx, row)) throw sessionNotFound(id);
    return row;
  }

  /** The same as one statement outside any unit of work. */
  async readVisible(ctx: AuthContext, id: string): Promise<SessionRow> {
    const [row] = await this.db.select<SessionRow>(ctx.tenant, (schema) => `SELECT ${SESSION_COLUMNS} FROM ${schema}.chat_sessions WHERE id = $1`, [id]);
    if (!row || !this.canSee(ctx, row)) throw sessionNotFound(id);
    return row;
  }

  canSee(ctx: AuthContext, owner: { owner_type: string; owner_id: string }): boolean {
    return seesAllSessions(ctx) || (owner.owner_type === ctx.principal.type && owner.owner_id === ctx.principal.id);
  }
}

function assertMetadataSize(metadata: Record<string, unknown> | undefined): void {
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw invalidInput('metadata is too large', [{ field: 'metadata', errors: [`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`] }]);
  }
}
