import { AppError } from './http/error-codes';

/**
 * Work that outlives the request that started it (training runs, exams), tracked so that shutdown can
 * wait for it within a grace period and then hand back what is still going (for the owner to mark it
 * failed: a later start-up would otherwise find it stuck). Refuses new work once shutdown has begun.
 */
export class BackgroundWork<Context> {
  private readonly inflight = new Map<string, { context: Context; done: Promise<unknown> }>();
  private stopping = false;

  /** 503 SERVICE_UNAVAILABLE once shutdown has begun. */
  assertAccepting(): void {
    if (this.stopping) throw new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; try again in a moment');
  }

  /** Tracks `work` under `id` until it settles (a rejection is the owner's to record, not ours to rethrow). */
  track(id: string, context: Context, work: Promise<unknown>): void {
    const done = work.catch(() => undefined).finally(() => this.inflight.delete(id));
    this.inflight.set(id, { context, done });
  }

  /** Stops accepting, waits for the tracked work up to `graceMs`, and returns what is still going. */
  async drain(graceMs: number): Promise<{ id: string; context: Context }[]> {
    this.stopping = true;
    if (this.inflight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled([...this.inflight.values()].map((entry) => entry.done)), grace]);
      clearTimeout(timer);
    }
    return [...this.inflight].map(([id, { context }]) => ({ id, context }));
  }
}
