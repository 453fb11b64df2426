import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AgentEntity } from '../agents/agent.entity';
import { assertAgentActive } from '../agents/agent-status';
import { AgentsService } from '../agents/agents.service';
import { complianceScore } from '../agents/execution/compliance';
import type { ConversationResult } from '../agents/execution/conversation';
import { buildMessages, DECISION_COLUMNS, decisionsJson, ExecutionService } from '../agents/execution/execution.service';
import type { LlmMessage } from '../agents/execution/llm/llm.types';
import type { AuthContext } from '../auth/principal';
import { AppError, invalidInput, type ErrorCode } from '../common/http/error-codes';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { insertFromJsonSql } from '../database/json-insert';
import { isForeignKeyViolation } from '../database/pg-errors';
import { TenantDb, type TenantScope } from '../database/tenant-db';
import { EPISODE_COLUMNS, episodeJson } from '../memory/memory.service';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { MESSAGE_COLUMNS, type InterruptReason, type MessageRow, type MessageStatus, type SessionRow } from './chat.types';
import type { ChatResponseDto, ChatStreamQueryDto } from './dto/chat.dto';
import { MessageDto } from './dto/session.dto';
import { boundedHistory, type HistoryMessage } from './history';
import { SessionsService, sessionNotFound } from './sessions.service';
import { END, LiveTurn, sseFrame, TurnRegistry } from './turn-registry';

/** How many of the newest messages are read before the token budget picks the ones that fit. */
const HISTORY_ROWS = 200;
/** Episodes of the agent recalled into a turn's prompt (as for an execution). */
const RECALLED_EPISODES = 3;
const TITLE_LENGTH = 80;
const LAST_EVENT_ID = /^(?:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):)?(\d{1,9}|end)$/i;

export interface TurnInput {
  sessionId?: string;
  agentId?: string;
  message: string;
}

/** What a stream request gets: a live turn to follow, the stored end of a finished one, or nothing more (204). */
export type StreamPlan = { kind: 'live'; turn: LiveTurn; afterSeq: number } | { kind: 'stored'; frames: string[] } | { kind: 'nothing' };

interface DoneData {
  message: MessageDto;
  episode_id: string | null;
  usage: { prompt_tokens: number; completion_tokens: number };
}

/**
 * Chat turns: a user message in a session, answered by the session's agent through the execution
 * engine (ExecutionService.converse: same prompt building, learned examples, recalled episodes and
 * governance as an execution), streamed through the turn registry. Database work happens before the
 * model is called (session, user message, history) and after it (answer, episode, decisions), each in
 * its own short unit of work: no connection is held while the model or a client is streaming.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger('Chat');

  constructor(
    private readonly db: TenantDb,
    private readonly agents: AgentsService,
    private readonly execution: ExecutionService,
    private readonly sessions: SessionsService,
    private readonly registry: TurnRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** POST /api/chat: the turn, answered once it is stored. */
  async chat(ctx: AuthContext, input: TurnInput, onClientGone: (listener: () => void) => void): Promise<ChatResponseDto> {
    const turn = await this.startTurn(ctx, input);
    // The request listens like a stream does: if its client goes away, the grace period applies.
    onClientGone(this.registry.attach(turn, END, () => undefined));
    await turn.ended;
    return this.outcomeOf(turn);
  }

  /** GET /api/chat/stream: a new turn, or a resumed one (turn_id and/or Last-Event-ID). */
  async openStream(ctx: AuthContext, query: ChatStreamQueryDto, rawLastEventId: string | undefined): Promise<StreamPlan> {
    const last = parseLastEventId(rawLastEventId);
    if (query.turn_id && last?.turnId && last.turnId !== query.turn_id) {
      throw invalidInput('Last-Event-ID names another turn', [{ field: 'last_event_id', errors: ['Last-Event-ID must belong to turn_id'] }]);
    }
    const turnId = query.turn_id ?? last?.turnId;
    if (turnId) {
      if (query.turn_id && query.message !== undefined) {
        throw invalidInput('A resume takes no message', [{ field: 'message', errors: ['message must be absent when turn_id is given'] }]);
      }
      // A browser EventSource reconnects to the URL that started the turn, with Last-Event-ID: resume it.
      return this.resume(ctx, turnId, query, last?.seq ?? -1);
    }
    if (last) {
      throw invalidInput('Last-Event-ID needs a turn', [{ field: 'turn_id', errors: ['turn_id is required with a numeric Last-Event-ID'] }]);
    }
    const turn = await this.startTurn(ctx, { sessionId: query.session_id, agentId: query.agent_id, message: query.message! });
    return { kind: 'live', turn, afterSeq: -1 };
  }

  /** POST /api/chat/turns/{turn_id}/cancel: interrupts at once and answers with what was stored. */
  async cancel(ctx: AuthContext, turnId: string): Promise<ChatResponseDto> {
    const live = this.visibleLiveTurn(ctx, turnId);
    if (live) {
      if (live.finished) throw new AppError('CONFLICT', 'This turn has already finished', { turn_id: turnId });
      this.registry.interrupt(live, 'cancelled');
      await live.ended;
      const outcome = this.outcomeOf(live);
      // The model may have finished just before the cancel arrived (its answer being stored): then it was not cancelled.
      if (outcome.message.interrupted_reason !== 'cancelled') {
        throw new AppError('CONFLICT', 'This turn finished before the cancel arrived', { turn_id: turnId, status: outcome.message.status });
      }
      return outcome;
    }
    const { answer } = await this.storedTurn(ctx, turnId, {});
    if (answer) throw new AppError('CONFLICT', 'This turn has already finished', { turn_id: turnId, status: answer.status });
    throw notRunningHere(turnId);
  }

  private async startTurn(ctx: AuthContext, input: TurnInput): Promise<LiveTurn> {
    if (!input.sessionId && !input.agentId) {
      const errors = ['session_id or agent_id is required'];
      throw invalidInput('session_id or agent_id is required', [
        { field: 'session_id', errors },
        { field: 'agent_id', errors },
      ]);
    }
    if (this.registry.isStopping) throw new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down');
    const turnId = randomUUID();
    // A new session's id is chosen here, so that it can be claimed before anything is written.
    const sessionId = input.sessionId ?? randomUUID();
    if (!this.registry.claimSession(ctx.tenant.id, sessionId, turnId)) {
      // Busy: say so only to someone who may see the session (else it is a 404 like any unknown id).
      await this.db.run(ctx.tenant, (em) => this.sessions.findVisible(em, ctx, sessionId));
      throw busySession(sessionId, this.registry.busyTurnOf(ctx.tenant.id, sessionId));
    }
    try {
      const prepared = await this.prepare(ctx, input, sessionId, turnId);
      const [system, user] = buildMessages(prepared.agent, input.message, {}, prepared.recalled, prepared.examples);
      const messages = [system, ...boundedHistory(prepared.history, this.config.chatHistoryTokens), user];

      const { owner, agent, userMessage } = prepared;
      const turn = new LiveTurn(turnId, { tenantId: ctx.tenant.id, sessionId, agentId: agent.id, ownerType: owner.type, ownerId: owner.id });
      turn.open({ session_id: sessionId, turn_id: turnId });
      // The model is called while the user message is being written: that write is off the time to
      // first token. Nothing reaches the client before it is stored (the events wait in the turn until
      // this returns); if it fails, the model call is stopped and the request fails as it would have.
      this.registry.start(turn, (live) => this.run(ctx.tenant, agent, sessionId, userMessage, messages, live));
      try {
        await userMessage;
      } catch (error) {
        this.registry.interrupt(turn, 'cancelled');
        throw error;
      }
      return turn;
    } catch (error) {
      this.registry.releaseSession(ctx.tenant.id, sessionId, turnId);
      throw error;
    }
  }

  /**
   * Before the model, in few round trips and without holding a connection between them: the named
   * session and its history; then the agent with its learned examples and the recalled episodes (one
   * statement); then one statement that stores the user message (creating the session when it is new),
   * returned still running (see startTurn). Each statement is atomic; none needs a snapshot shared with
   * another, so there is no transaction.
   */
  private async prepare(ctx: AuthContext, input: TurnInput, sessionId: string, turnId: string) {
    let session: SessionRow | undefined;
    let history: HistoryMessage[] = [];
    if (input.sessionId) {
      [session, history] = await Promise.all([this.sessions.readVisible(ctx, input.sessionId), this.historyOf(ctx, input.sessionId)]);
      if (input.agentId && input.agentId !== session.agent_id) {
        throw invalidInput('agent_id is not the agent of this session', [{ field: 'agent_id', errors: ['agent_id must be the session’s agent (or absent)'] }]);
      }
    }
    const agentId = session?.agent_id ?? input.agentId!;
    const { agent, examples, recalled } = await this.agents.readWithPromptContext(ctx.tenant, agentId, input.message, RECALLED_EPISODES);
    assertAgentActive(agent, 'chat');
    const userMessage = this.storeUserMessage(ctx, input, session, sessionId, agent.id, turnId);
    // Awaited by startTurn and the turn; this only keeps a failure from counting as unhandled meanwhile.
    userMessage.catch(() => undefined);
    const owner = session ? { type: session.owner_type, id: session.owner_id } : { type: ctx.principal.type, id: ctx.principal.id };
    return { agent, owner, history, userMessage, recalled, examples };
  }

  private historyOf(ctx: AuthContext, sessionId: string): Promise<HistoryMessage[]> {
    return this.db.select<HistoryMessage>(
      ctx.tenant,
      (schema) =>
        `SELECT role, content FROM ${schema}.chat_messages
          WHERE session_id = $1 AND status <> 'failed' AND content <> ''
          ORDER BY seq DESC LIMIT ${HISTORY_ROWS}`,
      [sessionId],
    );
  }

  /**
   * The user message, in one statement with the session's counters (existing session) or with the
   * session itself (new one). A session or agent deleted since it was read fails a foreign key: 404.
   */
  private async storeUserMessage(ctx: AuthContext, input: TurnInput, session: SessionRow | undefined, sessionId: string, agentId: string, turnId: string) {
    try {
      const [row] = session
        ? await this.db.write<MessageRow>(
            ctx.tenant,
            (schema) =>
              `WITH touched AS (
                 UPDATE ${schema}.chat_sessions SET message_count = message_count + 1, last_message_at = now(), updated_at = now() WHERE id = $1
               ), opened AS (
                 INSERT INTO ${schema}.chat_open_turns (turn_id, session_id) VALUES ($2, $1)
               )
               INSERT INTO ${schema}.chat_messages (session_id, turn_id, role, content) VALUES ($1, $2, 'user', $3) RETURNING ${MESSAGE_COLUMNS}`,
            [session.id, turnId, input.message],
          )
        : await this.db.write<MessageRow>(
            ctx.tenant,
            (schema) =>
              `WITH created AS (
                 INSERT INTO ${schema}.chat_sessions (id, agent_id, title, metadata, owner_type, owner_id, message_count, last_message_at)
                 VALUES ($1, $2, $3, '{}'::jsonb, $4, $5, 1, now()) RETURNING id
               ), opened AS (
                 INSERT INTO ${schema}.chat_open_turns (turn_id, session_id) SELECT $6, id FROM created
               )
               INSERT INTO ${schema}.chat_messages (session_id, turn_id, role, content) SELECT id, $6, 'user', $7 FROM created RETURNING ${MESSAGE_COLUMNS}`,
            [sessionId, agentId, titleOf(input.message), ctx.principal.type, ctx.principal.id, turnId, input.message],
          );
      return row;
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      throw session ? sessionNotFound(session.id) : new AppError('AGENT_NOT_FOUND', `Agent '${agentId}' not found`);
    }
  }

  /**
   * Turns that a server which stopped without storing (a crash, a kill) left open: a user message with
   * no answer. Each gets what a SIGTERM would have stored: an empty answer, `interrupted` for
   * `shutdown`, with its episode. Only turns started before `startedBefore`: a younger one may still be
   * running in another process. Found in chat_open_turns (migration 0013: a row per turn not answered
   * yet), not by reading every message.
   */
  async closeAbandonedTurns(tenant: TenantScope, startedBefore: Date): Promise<number> {
    const open = await this.db.select<MessageRow & { agent_id: string }>(
      tenant,
      (schema) =>
        `SELECT u.*, s.agent_id FROM ${schema}.chat_open_turns o
           JOIN ${schema}.chat_sessions s ON s.id = o.session_id
           CROSS JOIN LATERAL (SELECT ${MESSAGE_COLUMNS} FROM ${schema}.chat_messages WHERE turn_id = o.turn_id AND role = 'user') u
          WHERE o.started_at < $1`,
      [startedBefore],
    );
    let closed = 0;
    // Abandoned turns come in batches of one agent (its sessions): each agent is read once.
    const agents = new Map<string, AgentEntity | undefined>();
    for (const { agent_id: agentId, ...userMessage } of open) {
      if (!agents.has(agentId)) agents.set(agentId, await this.db.findById(tenant, AgentEntity, agentId));
      const agent = agents.get(agentId);
      if (!agent) continue;
      const stored = await this.store(tenant, agent, userMessage.session_id, userMessage, ABANDONED, 'shutdown', userMessage.created_at);
      if (stored) closed++;
    }
    return closed;
  }

  /** The turn itself, detached from any request: the model, then the answer stored, then the last event. */
  private async run(tenant: TenantRecord, agent: AgentEntity, sessionId: string, storingUserMessage: Promise<MessageRow>, messages: LlmMessage[], turn: LiveTurn) {
    const startedAt = new Date();
    const result = await this.execution.converse(tenant, agent, messages, {
      turnId: turn.id,
      signal: turn.abort.signal,
      onDelta: (content) => turn.delta(content),
    });
    const userMessage = await storingUserMessage.catch(() => null);
    // The request that started the turn has already failed with the reason (startTurn): nothing to store.
    if (!userMessage) return turn.finish('error', { code: 'NOT_FOUND', message: 'The user message could not be stored' });
    const reason = result.status === 'interrupted' ? (turn.interruptReason ?? 'cancelled') : undefined;
    let stored: { row: MessageRow } | null;
    try {
      stored = await this.store(tenant, agent, sessionId, userMessage, result, reason, startedAt);
    } catch (error) {
      this.logger.error(`chat turn ${turn.id}: storing the answer failed: ${(error as Error).stack ?? String(error)}`);
      return turn.finish('error', { code: 'INTERNAL_ERROR', message: 'The answer could not be stored' });
    }
    if (!stored) return turn.finish('error', { code: 'NOT_FOUND', message: 'The session (or its agent) was deleted during the turn' });
    finishWith(turn, stored.row);
  }

  /**
   * One statement after the model: the answer (exactly once per turn: a unique index on (turn_id,
   * role)), the session's counters, the episode and the governance decisions, the last three only when
   * the answer was inserted. Atomic on its own, so no transaction (one round trip instead of four).
   * Null when the session was deleted meanwhile.
   */
  private async store(
    tenant: TenantScope,
    agent: AgentEntity,
    sessionId: string,
    userMessage: MessageRow,
    result: ConversationResult,
    reason: InterruptReason | undefined,
    startedAt: Date,
  ): Promise<{ row: MessageRow } | null> {
    const status: MessageStatus = result.status === 'interrupted' ? 'interrupted' : result.status === 'failed' ? 'failed' : 'complete';
    const errorCode: ErrorCode | null = status === 'failed' ? failureCode(result.error) : null;
    const episodeId = randomUUID();
    const completedAt = new Date();
    const episode = episodeJson({
      id: episodeId,
      agentId: agent.id,
      executionId: null,
      sessionId,
      task: userMessage.content,
      output: result.content === '' ? null : result.content,
      outcome: status === 'failed' ? 'failure' : result.status === 'success' ? 'success' : 'partial',
      status: result.status,
      maturityAtTime: agent.maturityLevel,
      steps: reason ? [...result.steps, { type: 'interrupted', reason }] : result.steps,
      // A person stopping the answer is an intervention; a client that went away is not.
      humanInterventionCount: reason === 'cancelled' ? 1 : 0,
      governanceViolations: result.blocked.length,
      complianceScore: complianceScore(result.blocked),
      aggregateFeedbackScore: null,
      startedAt,
      completedAt,
      durationMs: completedAt.getTime() - startedAt.getTime(),
    });
    const answered = 'WHERE EXISTS (SELECT 1 FROM answer)';
    let rows: MessageRow[];
    try {
      // A session deleted meanwhile fails the foreign key (23503, below); an answer already there inserts nothing.
      rows = await this.db.write<MessageRow>(
        tenant,
        (schema) =>
          `WITH answer AS (
             INSERT INTO ${schema}.chat_messages (session_id, turn_id, role, content, status, interrupted_reason, error_code, error_message, episode_id, prompt_tokens, completion_tokens)
             VALUES ($1, $2, 'assistant', $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (turn_id, role) DO NOTHING RETURNING ${MESSAGE_COLUMNS}
           ), closed AS (
             DELETE FROM ${schema}.chat_open_turns WHERE turn_id = $2
           ), touched AS (
             UPDATE ${schema}.chat_sessions SET message_count = message_count + 1, last_message_at = now(), updated_at = now()
              WHERE id IN (SELECT session_id FROM answer)
           ), episode AS (
             ${insertFromJsonSql(`${schema}.episodes`, EPISODE_COLUMNS, '$11', { when: answered })}
           ), decisions AS (
             ${insertFromJsonSql(`${schema}.governance_decisions`, DECISION_COLUMNS, '$12', { many: true, when: answered })}
           )
           SELECT * FROM answer`,
        [
          sessionId,
          userMessage.turn_id,
          result.content,
          status,
          reason ?? null,
          errorCode,
          status === 'failed' ? result.error : null,
          episodeId,
          result.usage.promptTokens,
          result.usage.completionTokens,
          episode,
          decisionsJson(agent, null, result.decisions),
        ],
      );
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      // The session is gone (deleted during the turn), and the answer with it; the turn still happened,
      // and its episode is the agent's memory like the others of the session, which stay.
      await this.db
        .write(tenant, (schema) => insertFromJsonSql(`${schema}.episodes`, EPISODE_COLUMNS, '$1'), [episode])
        .catch((failure: unknown) => {
          if (!isForeignKeyViolation(failure)) throw failure; // the agent is gone too: nothing is left to remember it by
        });
      return null;
    }
    if (rows[0]) return { row: rows[0] };
    const [existing] = await this.db.select<MessageRow>(
      tenant,
      (schema) => `SELECT ${MESSAGE_COLUMNS} FROM ${schema}.chat_messages WHERE turn_id = $1 AND role = 'assistant'`,
      [userMessage.turn_id],
    );
    return existing ? { row: existing } : null;
  }

  private async resume(ctx: AuthContext, turnId: string, query: ChatStreamQueryDto, afterSeq: number): Promise<StreamPlan> {
    const live = this.visibleLiveTurn(ctx, turnId);
    if (live) {
      const { sessionId, agentId } = live.owner;
      if ((query.session_id && query.session_id !== sessionId) || (query.agent_id && query.agent_id !== agentId)) throw turnNotFound(turnId);
      if (live.finished && afterSeq >= END) return { kind: 'nothing' };
      // An id this turn has not sent yet: the client would get the events it claims to have seen.
      if (afterSeq < END && afterSeq > live.lastSeq) {
        throw invalidInput('Last-Event-ID is ahead of this turn', [
          { field: 'last_event_id', errors: [`this turn has sent events up to ${turnId}:${live.lastSeq} so far`] },
        ]);
      }
      return { kind: 'live', turn: live, afterSeq };
    }
    // Not running here (finished and evicted, or never here): the stored answer, without running the model again.
    const { session, answer } = await this.storedTurn(ctx, turnId, { sessionId: query.session_id, agentId: query.agent_id });
    if (!answer) throw notRunningHere(turnId);
    if (afterSeq >= END) return { kind: 'nothing' };
    const frames = afterSeq < 0 ? [sseFrame(turnId, 0, 'session', { session_id: session.id, turn_id: turnId })] : [];
    frames.push(answer.status === 'failed' ? sseFrame(turnId, END, 'error', errorData(answer)) : sseFrame(turnId, END, 'done', doneData(answer)));
    return { kind: 'stored', frames };
  }

  private visibleLiveTurn(ctx: AuthContext, turnId: string): LiveTurn | undefined {
    const live = this.registry.get(turnId);
    if (!live || live.owner.tenantId !== ctx.tenant.id) return undefined;
    if (!this.sessions.canSee(ctx, { owner_type: live.owner.ownerType, owner_id: live.owner.ownerId })) throw turnNotFound(turnId);
    return live;
  }

  /** A turn from the database: its session (visible to the caller, else 404) and its answer if stored. */
  private async storedTurn(ctx: AuthContext, turnId: string, expected: { sessionId?: string; agentId?: string }) {
    return this.db.run(ctx.tenant, async (em) => {
      const rows = (await em.query(`SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE turn_id = $1`, [turnId])) as MessageRow[];
      const user = rows.find((row) => row.role === 'user');
      if (!user) throw turnNotFound(turnId);
      const session = await this.sessions.findVisible(em, ctx, user.session_id).catch(() => {
        throw turnNotFound(turnId);
      });
      if ((expected.sessionId && expected.sessionId !== session.id) || (expected.agentId && expected.agentId !== session.agent_id)) throw turnNotFound(turnId);
      return { session, answer: rows.find((row) => row.role === 'assistant') };
    });
  }

  private outcomeOf(turn: LiveTurn): ChatResponseDto {
    const final = turn.final!;
    if (final.event === 'error') {
      const { code, message } = final.data as { code: ErrorCode; message: string };
      throw new AppError(code, message, { session_id: turn.owner.sessionId, turn_id: turn.id });
    }
    const done = final.data as DoneData;
    return { session_id: turn.owner.sessionId, turn_id: turn.id, message: done.message, episode_id: done.episode_id ?? '', usage: done.usage };
  }
}

function finishWith(turn: LiveTurn, row: MessageRow): void {
  if (row.status === 'failed') turn.finish('error', errorData(row));
  else turn.finish('done', doneData(row));
}

function doneData(row: MessageRow): DoneData {
  return {
    message: MessageDto.from(row),
    episode_id: row.episode_id,
    usage: { prompt_tokens: row.prompt_tokens ?? 0, completion_tokens: row.completion_tokens ?? 0 },
  };
}

function errorData(row: MessageRow): { code: string; message: string } {
  return { code: row.error_code ?? 'INTERNAL_ERROR', message: row.error_message ?? 'The turn failed' };
}

/** A provider that failed or timed out is a dependency down (503); anything else (max_steps) is ours. */
function failureCode(error: string | null): ErrorCode {
  return error && /^(Model provider failed|The turn timed out)/.test(error) ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR';
}

function titleOf(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > TITLE_LENGTH ? `${flat.slice(0, TITLE_LENGTH - 1)}…` : flat;
}

/** What a turn whose server died before it stored anything is recorded as (see closeAbandonedTurns). */
const ABANDONED: ConversationResult = {
  content: '',
  status: 'interrupted',
  error: null,
  steps: [],
  blocked: [],
  awaitingApproval: 0,
  usage: { promptTokens: 0, completionTokens: 0 },
  provider: null,
  model: null,
  decisions: [],
};

function parseLastEventId(raw: string | undefined): { turnId?: string; seq: number } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const match = LAST_EVENT_ID.exec(raw.trim());
  if (!match) {
    throw invalidInput('Last-Event-ID is not an event id of this API', [
      { field: 'last_event_id', errors: ['Last-Event-ID must be an event id: <turn_id>:<n> or <turn_id>:end'] },
    ]);
  }
  return { turnId: match[1]?.toLowerCase(), seq: match[2].toLowerCase() === 'end' ? END : Number(match[2]) };
}

function turnNotFound(turnId: string): AppError {
  return new AppError('NOT_FOUND', `Turn '${turnId}' not found`);
}

function notRunningHere(turnId: string): AppError {
  return new AppError('NOT_FOUND', `Turn '${turnId}' is not running in this server process and has no stored answer`, { turn_id: turnId });
}

function busySession(sessionId: string, turnId: string | undefined): AppError {
  return new AppError('CONFLICT', 'A turn of this session is still running: wait for it, resume it or cancel it', { session_id: sessionId, turn_id: turnId });
}
