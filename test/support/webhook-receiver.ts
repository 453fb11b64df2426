import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; event: string; data: Record<string, unknown>; timestamp: string; tenant: string };
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (to trip the sender's timeout). */
  delayMs?: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 that records every webhook it gets. Answers 200 unless answers were
 * scripted with `answer()` (consumed in order); `/gone` always answers 410 and `/fail` always 500.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly script: ScriptedAnswer[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: ReceivedWebhook['json'];
        try {
          json = JSON.parse(body);
        } catch {
          json = { id: '', event: '', data: {}, timestamp: '', tenant: '' };
        }
        receiver.received.push({ path: req.url ?? '', headers: req.headers, body, json, at: Date.now() });
        receiver.notify();
        const path = req.url ?? '';
        const answer: ScriptedAnswer =
          path === '/gone' ? { status: 410 } : path === '/fail' ? { status: 500, body: 'receiver broke' } : (receiver.script.shift() ?? { status: 200 });
        const send = () => {
          if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** The webhooks received so far for one event type. */
  of(event: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.json.event === event);
  }

  /** Resolves once `count` webhooks in all have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${count} webhooks, got ${this.received.length}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  reset(): void {
    this.received.length = 0;
    this.script.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private notify(): void {
    const ready = this.waiters.filter((waiter) => this.received.length >= waiter.count);
    this.waiters = this.waiters.filter((waiter) => this.received.length < waiter.count);
    for (const waiter of ready) waiter.resolve();
  }
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
