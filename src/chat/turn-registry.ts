import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { InterruptReason } from './chat.types';

export type TurnEventName = 'session' | 'delta' | 'done' | 'error';

/** One event of a turn, kept as the exact SSE frame sent (so a replay costs no formatting). */
export interface TurnEvent {
  /** 0 for `session`, then 1, 2…; the last event (done or error) has END. */
  seq: number;
  frame: string;
}

/** The last event of a turn (done or error): its id is `<turn_id>:end`. */
export const END = Number.MAX_SAFE_INTEGER;

/** `null`: the turn has ended, nothing more will come. */
export type TurnListener = (event: TurnEvent | null) => void;

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
 * A turn that runs in this process: every event it produced (for a client that reconnects), the
 * clients listening now, the abort controller of its model call and the grace timer started when its
 * last client left.
 */
export class LiveTurn {
  readonly events: TurnEvent[] = [];
  readonly abort = new AbortController();
  readonly listeners = new Set<TurnListener>();
  finished = false;
  /** The last event, once out: what POST /api/chat and cancel answer with. */
  final?: { event: 'done' | 'error'; data: unknown };
  graceTimer?: NodeJS.Timeout;
  private nextSeq = 0;
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

  push(event: Exclude<TurnEventName, 'done' | 'error'>, data: unknown): void {
    if (this.finished) return;
    const seq = this.nextSeq++;
    this.emit({ seq, frame: sseFrame(this.id, seq, event, data) });
  }

  finish(event: 'done' | 'error', data: unknown): void {
    if (this.finished) return;
    this.emit({ seq: END, frame: sseFrame(this.id, END, event, data) });
    this.final = { event, data };
    this.finished = true;
    clearTimeout(this.graceTimer);
    for (const listener of this.listeners) listener(null);
    this.listeners.clear();
    this.resolveEnded();
  }

  private emit(event: TurnEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }
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

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

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
    for (const event of turn.events) if (event.seq > afterSeq) listener(event);
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
    for (const turn of this.turns.values()) {
      if (turn.owner.tenantId === tenantId && turn.owner.sessionId === sessionId) this.interrupt(turn, 'session_deleted');
    }
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
