import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '../database/tenant-db';
import { schemaForSlug } from '../tenancy/slug';
import type { TenantRecord } from '../tenancy/tenant.entity';
import { DeliveryWorker, type Claim } from './delivery.worker';
import { ALL_EVENTS, TEST_EVENT, type WebhookEnvelope, type WebhookEventType } from './webhook-events';

/**
 * The outbox: an event becomes one delivery per matching active subscription, written by the caller's
 * own transaction (a rolled-back change sends nothing; a committed one is never lost, whatever happens
 * to the process next). One statement: the deliveries and their queue entries.
 */
@Injectable()
export class WebhookEvents {
  constructor(
    private readonly worker: DeliveryWorker,
    private readonly db: TenantDb,
  ) {}

  /** Call inside the tenant unit of work (TenantDb.run) that makes the change the event reports. */
  async emit(em: EntityManager, tenant: Pick<TenantRecord, 'id' | 'slug'>, event: WebhookEventType, data: unknown): Promise<EmittedEvent> {
    const envelope = envelopeFor(tenant, event, data);
    const rows: unknown[] = await em.query(
      `WITH queued AS (
         INSERT INTO webhook_deliveries (webhook_id, event_id, event, body, next_attempt_at)
         SELECT w.id, $1, $2, $3, now() FROM webhooks w
          WHERE w.active AND (w.events @> ARRAY[$2]::text[] OR w.events @> ARRAY[$4]::text[])
          ORDER BY w.created_at, w.id
          -- A subscription being deleted is waited for and then skipped, instead of failing the
          -- foreign key (and with it the change this event reports).
          FOR KEY SHARE OF w
         RETURNING id
       )
       INSERT INTO public.webhook_queue (delivery_id, tenant_id, next_attempt_at)
       SELECT id, $5, now() FROM queued
       RETURNING delivery_id`,
      [envelope.id, event, JSON.stringify(envelope), ALL_EVENTS, tenant.id],
    );
    if (rows.length > 0) this.worker.nudge();
    return { eventId: envelope.id, deliveries: rows.length };
  }

  /** For callers outside any unit of work (an agent's action): the event in a transaction of its own. */
  async emitAlone(tenantSlug: string, event: WebhookEventType, data: unknown): Promise<EmittedEvent> {
    return this.db.run({ schema: schemaForSlug(tenantSlug) }, async (em) => {
      const [tenant] = (await em.query('SELECT id, slug FROM public.tenants WHERE slug = $1', [tenantSlug])) as { id: string; slug: string }[];
      if (!tenant) throw new Error(`Unknown tenant '${tenantSlug}'`);
      return this.emit(em, tenant, event, data);
    });
  }

  /**
   * A `webhook.test` delivery, its queue row written already claimed for `lockSeconds` by the caller,
   * which attempts it at once (DeliveryWorker.deliverClaimed): a polling worker cannot take it first.
   */
  async enqueueTest(em: EntityManager, tenant: Pick<TenantRecord, 'id' | 'slug'>, webhookId: string, lockSeconds: number): Promise<Claim> {
    const envelope = envelopeFor(tenant, TEST_EVENT, { webhook_id: webhookId, message: 'A test event from Atom: your endpoint is reachable.' });
    const [row] = (await em.query(
      `WITH queued AS (
         INSERT INTO webhook_deliveries (webhook_id, event_id, event, body, next_attempt_at)
         VALUES ($1, $2, $3, $4, now()) RETURNING id
       )
       INSERT INTO public.webhook_queue (delivery_id, tenant_id, next_attempt_at, locked_until)
       SELECT id, $5, now(), now() + make_interval(secs => $6) FROM queued RETURNING delivery_id, seq, tenant_id`,
      [webhookId, envelope.id, TEST_EVENT, JSON.stringify(envelope), tenant.id, lockSeconds],
    )) as Omit<Claim, 'slug'>[];
    return { ...row, slug: tenant.slug };
  }
}

export interface EmittedEvent {
  eventId: string;
  /** Subscriptions that will receive it. */
  deliveries: number;
}

function envelopeFor(tenant: Pick<TenantRecord, 'slug'>, event: string, data: unknown): WebhookEnvelope {
  return { id: randomUUID(), event, data, timestamp: new Date().toISOString(), tenant: tenant.slug };
}
