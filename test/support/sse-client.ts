import { EventSource } from 'eventsource';

/** One Server-Sent Event as the client library delivered it. */
export interface ReceivedEvent {
  type: string;
  id: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

const TYPES = ['session', 'delta', 'done', 'error'];

/**
 * A real SSE client (the `eventsource` package, as a browser's EventSource behaves) recording every
 * event. `headers` are sent on every request it makes (Authorization, Last-Event-ID…). It closes
 * itself after `done` or `error`, so its automatic reconnection never kicks in during a test.
 */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly source: EventSource;
  failure?: { code?: number; message?: string };
  private waiters: Array<() => void> = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.source = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
    });
    for (const type of TYPES) {
      this.source.addEventListener(type, (event) => {
        this.events.push({ type, id: event.lastEventId, data: JSON.parse(event.data) });
        if (type === 'done' || type === 'error') this.source.close();
        this.notify();
      });
    }
    this.source.onerror = (event) => {
      this.failure = { code: (event as { code?: number }).code, message: (event as { message?: string }).message };
      this.notify();
    };
  }

  get deltas(): string[] {
    return this.events.filter((e) => e.type === 'delta').map((e) => e.data.content as string);
  }

  get ended(): boolean {
    return this.events.some((e) => e.type === 'done' || e.type === 'error');
  }

  /** Resolves once `test` holds (checked after every event), or fails after `timeoutMs`. */
  async until(test: (client: SseClient) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this)) {
      if (Date.now() > deadline) throw new Error(`SSE: condition not met within ${timeoutMs} ms; events: ${JSON.stringify(this.events).slice(0, 2000)}; failure: ${JSON.stringify(this.failure)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.source.close();
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
