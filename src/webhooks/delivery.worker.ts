import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretBox } from '../common/secret-box';
import { DestinationRefusedError } from '../common/net/destination-guard';
import { pinnedRequest } from '../common/net/pinned-request';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TenantDb } from '../database/tenant-db';
import { schemaForSlug } from '../tenancy/slug';
import { decideAfterAttempt, type AttemptResult, type DeliveryDecision } from './delivery-policy';
import { signatureHeaders } from './signing';
import { TEST_EVENT } from './webhook-events';

/** After this many deliveries in a row end `failed`, the subscription is disabled. */
export const MAX_CONSECUTIVE_FAILURES = 20;
const MAX_RESPONSE_BYTES = 4096;
const CLAIM_MARGIN_SECONDS = 60;

/** A queue row this process holds (locked_until in the future): the delivery it may attempt now. */
export interface Claim {
  delivery_id: string;
  seq: string;
  tenant_id: string;
  slug: string;
}

interface Attempt {
  id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  body: string;
  attempts: number;
  schedule_base: number;
  url: string;
  secret_encrypted: string;
  seq: number;
}

/**
 * Sends due webhook deliveries. Claiming is one statement on public.webhook_queue with FOR UPDATE SKIP
 * LOCKED that stamps `locked_until`, so several processes never take the same attempt, and one that
 * dies mid-attempt leaves the delivery to be claimed again once its lock expires (at-least-once:
 * receivers de-duplicate by `webhook-id`). No transaction is open while a receiver is called.
 * Within a batch, one subscription's deliveries go one after another in event order; different
 * subscriptions are served in parallel.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;
  private batch?: Promise<void>;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDb,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly box: SecretBox,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.workerEnabled) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Before the pool closes: stop claiming and let the attempts under way finish (each is bounded by its timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.batch;
  }

  /** New deliveries were written: look for due work soon rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.batch) this.wakeRequested = true;
    // A short delay lets the emitting transaction commit first.
    else this.schedule(25);
  }

  /** One batch: claim due deliveries, attempt them, record the outcomes. Returns whether the batch was full. */
  async runOnce(): Promise<boolean> {
    const limit = this.config.webhooks.concurrency * 4;
    const claims = await this.claim(limit);
    const byTenant = new Map<string, Claim[]>();
    for (const claim of claims) byTenant.set(claim.slug, [...(byTenant.get(claim.slug) ?? []), claim]);
    const attempts: { schema: string; attempt: Attempt }[] = [];
    for (const [slug, tenantClaims] of byTenant) {
      const schema = schemaForSlug(slug);
      for (const attempt of await this.startAttempts(schema, tenantClaims)) attempts.push({ schema, attempt });
    }
    const bySubscription = new Map<string, { schema: string; attempt: Attempt }[]>();
    for (const item of attempts.sort((a, b) => a.attempt.seq - b.attempt.seq)) {
      bySubscription.set(item.attempt.webhook_id, [...(bySubscription.get(item.attempt.webhook_id) ?? []), item]);
    }
    await runWithConcurrency([...bySubscription.values()], this.config.webhooks.concurrency, async (queue) => {
      for (const { schema, attempt } of queue) await this.deliver(schema, attempt);
    });
    return claims.length === limit;
  }

  /**
   * Attempts at once a delivery whose queue row was written already locked by this process (the test
   * route): no worker can take it first, and if this process dies before the attempt, the lock runs
   * out and a worker delivers it.
   */
  async deliverClaimed(claim: Claim): Promise<void> {
    const schema = schemaForSlug(claim.slug);
    for (const attempt of await this.startAttempts(schema, [claim])) await this.deliver(schema, attempt);
  }

  /** How long a claim (a locked queue row) lasts: one attempt's timeout and a margin. */
  lockSeconds(): number {
    return Math.ceil(this.config.webhooks.timeoutMs / 1000) + CLAIM_MARGIN_SECONDS;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.batch) return;
    let full = false;
    this.batch = this.runOnce().then(
      (result) => void (full = result),
      (error: Error) => this.logger.error(`Delivery batch failed: ${error.message}`, error.stack),
    );
    await this.batch;
    this.batch = undefined;
    if (this.stopped) return;
    const again = full || this.wakeRequested;
    this.wakeRequested = false;
    this.schedule(again ? 0 : this.config.webhooks.pollIntervalMs);
  }

  private async claim(limit: number): Promise<Claim[]> {
    const result: unknown = await this.dataSource.query(
      `UPDATE public.webhook_queue q SET locked_until = now() + make_interval(secs => $2)
         FROM public.tenants t
        WHERE t.id = q.tenant_id AND q.delivery_id IN (
          SELECT delivery_id FROM public.webhook_queue
           WHERE next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
           ORDER BY next_attempt_at, seq
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING q.delivery_id, q.seq, q.tenant_id, t.slug`,
      [limit, this.lockSeconds()],
    );
    return updatedRows<Claim>(result);
  }

  /**
   * Marks the claimed deliveries of one tenant as being attempted and loads what sending needs. A
   * delivery whose subscription was disabled meanwhile ends `failed` unsent; queue entries whose delivery
   * is gone (subscription deleted) or already finished are dropped.
   */
  private async startAttempts(schema: string, claims: Claim[]): Promise<Attempt[]> {
    const ids = claims.map((claim) => claim.delivery_id);
    const seqById = new Map(claims.map((claim) => [claim.delivery_id, Number(claim.seq)]));
    const rows = await this.db.run({ schema }, async (em) => {
      await em.query(
        `UPDATE webhook_deliveries d
            SET status = 'failed', next_attempt_at = NULL, last_error = 'the subscription is disabled', updated_at = now()
           FROM webhooks w
          WHERE w.id = d.webhook_id AND d.id = ANY($1::uuid[]) AND NOT w.active AND d.event <> $2
            AND d.status IN ('pending', 'delivering')`,
        [ids, TEST_EVENT],
      );
      const started = updatedRows<Omit<Attempt, 'seq'>>(await em.query(
        `UPDATE webhook_deliveries d
            SET status = 'delivering', attempts = d.attempts + 1, last_attempt_at = now(), updated_at = now()
           FROM webhooks w
          WHERE w.id = d.webhook_id AND d.id = ANY($1::uuid[]) AND d.status IN ('pending', 'delivering')
          RETURNING d.id, d.webhook_id, d.event_id, d.event, d.body, d.attempts, d.schedule_base, w.url, w.secret_encrypted`,
        [ids],
      ));
      const live = started.map((row) => row.id);
      await em.query(`DELETE FROM public.webhook_queue WHERE delivery_id = ANY($1::uuid[]) AND NOT (delivery_id = ANY($2::uuid[]))`, [ids, live]);
      return started;
    });
    return rows.map((row) => ({ ...row, seq: seqById.get(row.id) ?? 0 }));
  }

  private async deliver(schema: string, attempt: Attempt): Promise<void> {
    const result = await this.send(attempt);
    const decision = decideAfterAttempt({
      result,
      attempt: attempt.attempts - attempt.schedule_base,
      scheduleSeconds: this.config.webhooks.retryScheduleSeconds,
    });
    const statusCode = result.kind === 'response' ? result.status : null;
    try {
      await this.record(schema, attempt, decision, statusCode);
    } catch (error) {
      // The lock expires and the delivery is attempted again: at-least-once.
      this.logger.error(`Could not record delivery ${attempt.id}: ${(error as Error).message}`);
    }
  }

  private async send(attempt: Attempt): Promise<AttemptResult> {
    let secret: string;
    try {
      secret = this.box.open(attempt.secret_encrypted);
    } catch {
      return { kind: 'error', message: 'the signing secret cannot be read (was ENCRYPTION_KEY changed?)' };
    }
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await pinnedRequest(attempt.url, {
        method: 'POST',
        allowPrivate: this.config.allowPrivateDestinations,
        requireHttps: this.config.nodeEnv === 'production',
        timeoutMs: this.config.webhooks.timeoutMs,
        maxResponseBytes: MAX_RESPONSE_BYTES,
        body: attempt.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Atom-Webhooks/1.0',
          'x-atom-event': attempt.event,
          'x-atom-delivery': attempt.id,
          ...signatureHeaders(secret, attempt.event_id, timestamp, attempt.body),
        },
      });
      const retryAfter = response.headers['retry-after'];
      return {
        kind: 'response',
        status: response.status,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        bodySnippet: response.body.toString('utf8'),
      };
    } catch (error) {
      const message = error instanceof DestinationRefusedError ? error.message : (error as Error).message;
      return { kind: 'error', message };
    }
  }

  private async record(schema: string, attempt: Attempt, decision: DeliveryDecision, statusCode: number | null): Promise<void> {
    const countsForSubscription = attempt.event !== TEST_EVENT;
    await this.db.run({ schema }, async (em) => {
      if (decision.outcome === 'delivered') {
        await em.query(
          `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), next_attempt_at = NULL,
                  last_status_code = $2, last_error = NULL, updated_at = now() WHERE id = $1`,
          [attempt.id, statusCode],
        );
        await em.query(`DELETE FROM public.webhook_queue WHERE delivery_id = $1`, [attempt.id]);
        await em.query(`UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0`, [attempt.webhook_id]);
        return;
      }
      if (decision.outcome === 'retry') {
        await em.query(
          `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() + make_interval(secs => $2),
                  last_status_code = $3, last_error = $4, updated_at = now() WHERE id = $1`,
          [attempt.id, decision.delaySeconds, statusCode, decision.error],
        );
        await em.query(
          `UPDATE public.webhook_queue SET next_attempt_at = now() + make_interval(secs => $2), locked_until = NULL WHERE delivery_id = $1`,
          [attempt.id, decision.delaySeconds],
        );
        return;
      }
      await em.query(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_status_code = $2, last_error = $3, updated_at = now()
          WHERE id = $1`,
        [attempt.id, statusCode, decision.error],
      );
      await em.query(`DELETE FROM public.webhook_queue WHERE delivery_id = $1`, [attempt.id]);
      if (!countsForSubscription && !decision.disableSubscription) return;
      const [subscription] = updatedRows<{ active: boolean }>(await em.query(
        `UPDATE webhooks
            SET consecutive_failures = consecutive_failures + $2,
                active = CASE WHEN $3::text IS NOT NULL OR consecutive_failures + $2 >= $4 THEN false ELSE active END,
                disabled_reason = CASE
                  WHEN NOT active THEN disabled_reason
                  WHEN $3::text IS NOT NULL THEN $3::text
                  WHEN consecutive_failures + $2 >= $4 THEN $5
                  ELSE disabled_reason END,
                updated_at = now()
          WHERE id = $1
          RETURNING active`,
        [attempt.webhook_id, countsForSubscription ? 1 : 0, decision.disableSubscription ?? null, MAX_CONSECUTIVE_FAILURES,
          `${MAX_CONSECUTIVE_FAILURES} consecutive deliveries failed`],
      ));
      if (subscription && !subscription.active) await failPendingDeliveries(em, attempt.webhook_id);
    });
  }
}

/** A disabled subscription's waiting deliveries end `failed` (an admin can retry them after re-enabling it). */
export async function failPendingDeliveries(em: { query: (sql: string, params: unknown[]) => Promise<unknown> }, webhookId: string): Promise<void> {
  await em.query(
    `WITH ended AS (
       UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'the subscription is disabled', updated_at = now()
        WHERE webhook_id = $1 AND status = 'pending' RETURNING id
     )
     DELETE FROM public.webhook_queue WHERE delivery_id IN (SELECT id FROM ended)`,
    [webhookId],
  );
}

/** TypeORM answers an UPDATE ... RETURNING with `[rows, affected]` (and an INSERT with the rows alone). */
function updatedRows<T>(result: unknown): T[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as T[]) : (result as T[]);
}

async function runWithConcurrency<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
