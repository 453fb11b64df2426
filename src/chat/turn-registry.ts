import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { InterruptReason } from './chat.types';
import { Deletions } from '../common/deletions';

export type TurnEventName = 'session' | 'delta' | 'done' | 'error';

/** The last event of a turn (done or error): its id is `<turn_id>:end`. */
export const END = Number.MAX_SAFE_INTEGER;

/** An SSE frame, or `null`: the turn has ended, nothing more will come. */
export type TurnListener = (frame: string | null) => void;

export interface TurnOwner {
  tenantId: string;
  sessionId: string;
  agentId: string;
  ownerType: 'user' | 'api_key';
  ownerId: string;
}

/** The SSE frame of one event; every event has an id (`<turn_id>:<n>`, the last one `<turn_id>:end`). */
export function sseFrame(turnId: string, seq: number, event: TurnEventName, data: unknown): string {
  return `id: ${turnId}:${seq === END ? 'end' : seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A turn that runs in this process: what it produced so far (for a client that reconnects), the
 * clients listening now, the abort controller of its model call and the grace timer started when its
 * last client left. Events are numbered: `session` 0, the deltas 1, 2…, the last one END.
 */
export class LiveTurn {
  readonly abort = new AbortController();
  readonly listeners = new Set<TurnListener>();
  finished = false;
  /** The last event, once out: what POST /api/chat and cancel answer with. */
  final?: { event: 'done' | 'error'; data: unknown };
  graceTimer?: NodeJS.Timeout;
  private sessionFrame?: string;
  /**
   * The text of each delta, not its frame: a replay (rare) formats the frames again. Keeping every
   * frame (a string, an object and a boxed number per delta, for every turn running or in its grace
   * period) was most of what each scavenge had to copy with 200 streams open.
   */
  private readonly deltas: string[] = [];
  private finalFrame?: string;
  private resolveEnded!: () => void;
  /** Settles once the last event is out (the answer is stored by then). */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  constructor(
    readonly id: string,
    readonly owner: TurnOwner,
  ) {}

  get interruptReason(): InterruptReason | undefined {
    return this.abort.signal.aborted ? (this.abort.signal.reason as InterruptReason) : undefined;
  }

  /** The number of the last event sent so far, the end aside (0: only `session`). */
  get lastSeq(): number {
    return this.deltas.length;
  }

  /** The first event (0): the session and the turn's id. */
  open(data: { session_id: string; turn_id: string }): void {
    if (this.finished || this.sessionFrame !== undefined) return;
    this.sessionFrame = sseFrame(this.id, 0, 'session', data);
    this.emit(this.sessionFrame);
  }

  delta(content: string): void {
    if (this.finished) return;
    this.deltas.push(content);
    this.emit(deltaFrame(this.id, this.deltas.length, content));
  }

  finish(event: 'done' | 'error', data: unknown): void {
    if (this.finished) return;
    this.finalFrame = sseFrame(this.id, END, event, data);
    this.emit(this.finalFrame);
    this.final = { event, data };
    this.finished = true;
    clearTimeout(this.graceTimer);
    for (const listener of this.listeners) listener(null);
    this.listeners.clear();
    this.resolveEnded();
  }

  /** The frames of the events after `afterSeq` so far, in order. */
  *framesAfter(afterSeq: number): Generator<string> {
    if (afterSeq < 0 && this.sessionFrame !== undefined) yield this.sessionFrame;
    for (let seq = Math.max(afterSeq, 0) + 1; seq <= this.deltas.length; seq++) yield deltaFrame(this.id, seq, this.deltas[seq - 1]);
    if (afterSeq < END && this.finalFrame !== undefined) yield this.finalFrame;
  }

  private emit(frame: string): void {
    for (const listener of this.listeners) listener(frame);
  }
}

function deltaFrame(turnId: string, seq: number, content: string): string {
  return sseFrame(turnId, seq, 'delta', { content });
}

/**
 * The turns running in this process, by id. A turn lives in the process that runs it: a client must
 * reconnect to the same process to resume (multi-process resume is out of scope; see README).
 *
 * Disconnect rule: when the last listener of an unfinished turn leaves, a grace timer starts
 * (CHAT_RESUME_GRACE); a listener that comes back stops it; when it fires, the turn is aborted and its
 * partial answer stored as interrupted. A finished turn stays here for the same grace period, so a
 * client that reconnects just after the end still gets an exact replay; after that the stored answer
 * serves it.
 */
@Injectable()
export class TurnRegistry implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Chat');
  private readonly turns = new Map<string, LiveTurn>();
  /** Session id -> its unfinished turn: one turn at a time per session (its history must be settled). */
  private readonly busySessions = new Map<string, string>();
  private readonly evictions = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    deletions: Deletions,
  ) {
    // The sessions of a deleted agent, and everything of a deleted tenant, go with it: so do their turns.
    deletions.onAgentDeleted((tenantId, agentId) => this.interruptWhere((owner) => owner.tenantId === tenantId && owner.agentId === agentId));
    deletions.onTenantDeleted((tenantId) => this.interruptWhere((owner) => owner.tenantId === tenantId));
  }

  get size(): number {
    return this.turns.size;
  }

  get graceMs(): number {
    return this.config.chatResumeGraceMs;
  }

  get(turnId: string): LiveTurn | undefined {
    return this.turns.get(turnId);
  }

  /** Claims a session for a new turn; false when one of its turns is still running here. */
  claimSession(tenantId: string, sessionId: string, turnId: string): boolean {
    const key = `${tenantId}:${sessionId}`;
    const holder = this.busySessions.get(key);
    if (holder && holder !== turnId) return false;
    this.busySessions.set(key, turnId);
    return true;
  }

  releaseSession(tenantId: string, sessionId: string, turnId: string): void {
    const key = `${tenantId}:${sessionId}`;
    if (this.busySessions.get(key) === turnId) this.busySessions.delete(key);
  }

  busyTurnOf(tenantId: string, sessionId: string): string | undefined {
    return this.busySessions.get(`${tenantId}:${sessionId}`);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Registers a new turn and runs `work` detached from any request; `work` must end with turn.finish(). */
  start(turn: LiveTurn, work: (turn: LiveTurn) => Promise<void>): void {
    this.turns.set(turn.id, turn);
    void turn.ended.then(() => {
      this.releaseSession(turn.owner.tenantId, turn.owner.sessionId, turn.id);
      const timer = setTimeout(() => {
        this.evictions.delete(timer);
        this.turns.delete(turn.id);
      }, this.graceMs);
      timer.unref();
      this.evictions.add(timer);
    });
    work(turn).catch((error: unknown) => {
      this.logger.error(`chat turn ${turn.id} crashed: ${(error as Error).stack ?? String(error)}`);
      turn.finish('error', { code: 'INTERNAL_ERROR', message: 'Internal error during the turn' });
    });
  }

  /**
   * Replays the events after `afterSeq`, then delivers the live ones until the turn ends. Returns the
   * function to call when this client goes away.
   */
  attach(turn: LiveTurn, afterSeq: number, listener: TurnListener): () => void {
    for (const frame of turn.framesAfter(afterSeq)) listener(frame);
    if (turn.finished) {
      listener(null);
      return () => undefined;
    }
    clearTimeout(turn.graceTimer);
    turn.graceTimer = undefined;
    turn.listeners.add(listener);
    return () => this.detach(turn, listener);
  }

  private detach(turn: LiveTurn, listener: TurnListener): void {
    if (!turn.listeners.delete(listener) || turn.finished || turn.listeners.size > 0) return;
    if (this.graceMs === 0) return this.interrupt(turn, 'client_gone');
    turn.graceTimer = setTimeout(() => this.interrupt(turn, 'client_gone'), this.graceMs);
  }

  interrupt(turn: LiveTurn, reason: InterruptReason): void {
    if (turn.finished || turn.abort.signal.aborted) return;
    clearTimeout(turn.graceTimer);
    turn.abort.abort(reason);
  }

  /** Aborts the unfinished turns of a session (it is being deleted). */
  interruptSession(tenantId: string, sessionId: string): void {
    this.interruptWhere((owner) => owner.tenantId === tenantId && owner.sessionId === sessionId);
  }

  /** Aborts the unfinished turns whose session is gone (deleted, or its agent or tenant is). */
  private interruptWhere(gone: (owner: TurnOwner) => boolean): void {
    for (const turn of this.turns.values()) if (gone(turn.owner)) this.interrupt(turn, 'session_deleted');
  }

  /** Shutdown: interrupt every running turn and wait (bounded) until their partial answers are stored. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const running = [...this.turns.values()].filter((turn) => !turn.finished);
    for (const turn of running) this.interrupt(turn, 'shutdown');
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, Math.max(1000, this.config.shutdownGraceMs)).unref());
    await Promise.race([Promise.all(running.map((turn) => turn.ended)), deadline]);
    for (const timer of this.evictions) clearTimeout(timer);
    this.evictions.clear();
    this.turns.clear();
  }
}
