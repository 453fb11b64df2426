import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../auth/principal';
import { AppError, invalidInput } from '../common/http/error-codes';
import { Paginated } from '../common/http/envelope';
import { assertPublicDestination, DestinationRefusedError } from '../common/net/destination-guard';
import { likePattern, paginate } from '../common/pagination/paginate';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TenantDb } from '../database/tenant-db';
import { DeliveryWorker, failPendingDeliveries } from './delivery.worker';
import type { CreateWebhookDto, DeliveryListQueryDto, UpdateWebhookDto, WebhookListQueryDto } from './dto/webhook.dto';
import { generateWebhookSecret, secretProblem } from './signing';
import { ALL_EVENTS } from './webhook-events';
import { WebhookEvents } from './webhook-events.service';
import { WebhookEntity, type DeliveryRow } from './webhook.entity';

const DELIVERY_COLUMNS = `id, webhook_id, event_id, event, status, attempts, schedule_base, next_attempt_at, last_status_code,
  last_error, last_attempt_at, delivered_at, created_at, updated_at`;

@Injectable()
export class WebhooksService {
  constructor(
    private readonly db: TenantDb,
    private readonly events: WebhookEvents,
    private readonly worker: DeliveryWorker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly box: SecretBox,
  ) {}

  /** The subscription, and the secret when it was generated here (the only time it is ever shown). */
  async create(ctx: AuthContext, dto: CreateWebhookDto): Promise<{ webhook: WebhookEntity; generatedSecret?: string }> {
    const url = await this.checkUrl(dto.url);
    if (dto.secret !== undefined) this.checkSecret(dto.secret);
    const secret = dto.secret ?? generateWebhookSecret();
    const webhook = await this.db.run(ctx.tenant, async (em) => {
      const repo = em.getRepository(WebhookEntity);
      const saved = await repo.save(
        repo.create({
          url,
          events: dto.events,
          secretEncrypted: this.box.seal(secret),
          description: dto.description ?? null,
          active: dto.active ?? true,
          disabledReason: dto.active === false ? 'created disabled' : null,
          createdBy: ctx.principal.id,
        }),
      );
      return this.findOrFail(em, saved.id);
    });
    return { webhook, generatedSecret: dto.secret === undefined ? secret : undefined };
  }

  async list(ctx: AuthContext, query: WebhookListQueryDto): Promise<Paginated<WebhookEntity>> {
    return this.db.run(ctx.tenant, async (em) => {
      const qb = em.getRepository(WebhookEntity).createQueryBuilder('w');
      if (query.active) qb.andWhere('w.active = :active', { active: query.active === 'true' });
      if (query.event) qb.andWhere('(w.events @> ARRAY[:event]::text[] OR w.events @> ARRAY[:all]::text[])', { event: query.event, all: ALL_EVENTS });
      if (query.q) qb.andWhere('(w.url ILIKE :q OR w.description ILIKE :q)', { q: likePattern(query.q) });
      const direction = query.order === 'asc' ? 'ASC' : 'DESC';
      const total = await qb.getCount();
      const rows = await qb
        .orderBy(`w.${query.sort}`, direction)
        .addOrderBy('w.id', direction)
        .limit(query.limit)
        .offset((query.page - 1) * query.limit)
        .getMany();
      return paginate(rows, total, query);
    });
  }

  async get(ctx: AuthContext, id: string): Promise<WebhookEntity> {
    return this.db.run(ctx.tenant, (em) => this.findOrFail(em, id));
  }

  async update(ctx: AuthContext, id: string, dto: UpdateWebhookDto): Promise<WebhookEntity> {
    const url = dto.url === undefined ? undefined : await this.checkUrl(dto.url);
    if (dto.secret !== undefined) this.checkSecret(dto.secret);
    return this.db.run(ctx.tenant, async (em) => {
      const webhook = await this.findOrFail(em, id);
      const wasActive = webhook.active;
      if (url !== undefined) webhook.url = url;
      if (dto.events !== undefined) webhook.events = dto.events;
      if (dto.description !== undefined) webhook.description = dto.description;
      if (dto.secret !== undefined) webhook.secretEncrypted = this.box.seal(dto.secret);
      if (dto.active === true && !wasActive) Object.assign(webhook, { active: true, disabledReason: null, consecutiveFailures: 0 });
      if (dto.active === false && wasActive) Object.assign(webhook, { active: false, disabledReason: 'disabled by an admin' });
      await em.getRepository(WebhookEntity).save(Object.assign(webhook, { updatedAt: new Date() }));
      if (wasActive && !webhook.active) await failPendingDeliveries(em, id);
      return this.findOrFail(em, id);
    });
  }

  /**
   * Deletes the subscription and its delivery history; nothing more is sent to it. The deliveries
   * and their queue rows go first, the subscription last: the order in which a delivery attempt
   * being recorded takes them (delivery, queue row, subscription), so the two cannot deadlock (the
   * other order did). A test or an event written meanwhile share-locks the subscription: its delete
   * waits for them and takes their deliveries along (ON DELETE CASCADE; a queue row left behind is
   * dropped by the worker, which finds no delivery for it).
   */
  async remove(ctx: AuthContext, id: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      await this.findOrFail(em, id);
      await em.query(
        `WITH gone AS (DELETE FROM webhook_deliveries WHERE webhook_id = $1 RETURNING id)
         DELETE FROM public.webhook_queue WHERE delivery_id IN (SELECT id FROM gone)`,
        [id],
      );
      const { affected } = await em.getRepository(WebhookEntity).delete({ id });
      // Deleted by a concurrent request meanwhile: that one answered 200.
      if (!affected) throw new AppError('NOT_FOUND', `Webhook '${id}' not found`);
    });
  }

  /** Writes a `webhook.test` delivery and makes its first attempt now; returns the delivery after it. */
  async test(ctx: AuthContext, id: string): Promise<DeliveryRow> {
    const claim = await this.db.run(ctx.tenant, async (em) => {
      // Share-locked: a concurrent delete waits for the test delivery to be written (and deletes it too).
      await this.findOrFail(em, id, 'share');
      return this.events.enqueueTest(em, ctx.tenant, id, this.worker.lockSeconds());
    });
    await this.worker.deliverClaimed(claim);
    return this.db.run(ctx.tenant, (em) => this.findDeliveryOrFail(em, id, claim.delivery_id));
  }

  async deliveries(ctx: AuthContext, id: string, query: DeliveryListQueryDto): Promise<Paginated<DeliveryRow>> {
    return this.db.run(ctx.tenant, async (em) => {
      await this.findOrFail(em, id);
      const filters = ['webhook_id = $1'];
      const params: unknown[] = [id];
      if (query.status) filters.push(`status = $${params.push(query.status)}`);
      if (query.event) filters.push(`event = $${params.push(query.event)}`);
      const where = filters.join(' AND ');
      const direction = query.order === 'asc' ? 'ASC' : 'DESC';
      const [{ count }] = (await em.query(`SELECT count(*)::int AS count FROM webhook_deliveries WHERE ${where}`, params)) as { count: number }[];
      const rows: DeliveryRow[] = await em.query(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where}
          ORDER BY created_at ${direction}, id ${direction} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, (query.page - 1) * query.limit],
      );
      return paginate(rows, count, query);
    });
  }

  /**
   * Schedules one more attempt now, with the full retry schedule after it. Works for failed, pending
   * and delivered deliveries (a replay); not while an attempt is under way, nor for a disabled
   * subscription (re-enable it first), whatever the event: a `webhook.test` one included, which the
   * worker would otherwise send to a subscription its admin switched off (POST .../test is the way to
   * try a disabled one). The subscription row is share-locked so that a concurrent disable waits for
   * this retry and then fails the delivery it made pending, instead of missing it.
   */
  async retry(ctx: AuthContext, id: string, deliveryId: string): Promise<DeliveryRow> {
    const delivery = await this.db.run(ctx.tenant, async (em) => {
      const webhook = await this.findOrFail(em, id, 'share');
      const current = await this.findDeliveryOrFail(em, id, deliveryId, true);
      if (current.status === 'delivering') throw new AppError('CONFLICT', 'An attempt of this delivery is under way; retry after it');
      if (!webhook.active) {
        throw new AppError('CONFLICT', 'The subscription is disabled: re-enable it (PATCH active: true) before retrying its deliveries');
      }
      await em.query(
        `UPDATE webhook_deliveries SET status = 'pending', schedule_base = attempts, next_attempt_at = now(), updated_at = now() WHERE id = $1`,
        [deliveryId],
      );
      await em.query(
        `INSERT INTO public.webhook_queue (delivery_id, tenant_id, next_attempt_at) VALUES ($1, $2, now())
         ON CONFLICT (delivery_id) DO UPDATE SET next_attempt_at = now(), locked_until = NULL`,
        [deliveryId, ctx.tenant.id],
      );
      return this.findDeliveryOrFail(em, id, deliveryId);
    });
    this.worker.nudge();
    return delivery;
  }

  private async findOrFail(em: EntityManager, id: string, lock?: 'share'): Promise<WebhookEntity> {
    const webhook = await em.getRepository(WebhookEntity).findOne({ where: { id }, ...(lock === 'share' ? { lock: { mode: 'pessimistic_read' as const } } : {}) });
    if (!webhook) throw new AppError('NOT_FOUND', `Webhook '${id}' not found`);
    return webhook;
  }

  private async findDeliveryOrFail(em: EntityManager, webhookId: string, deliveryId: string, lock = false): Promise<DeliveryRow> {
    const [row] = (await em.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [deliveryId, webhookId],
    )) as DeliveryRow[];
    if (!row) throw new AppError('NOT_FOUND', `Delivery '${deliveryId}' not found`);
    return row;
  }

  /** Refused at creation too (not only at delivery), so a user hears about a bad URL at once. */
  private async checkUrl(raw: string): Promise<string> {
    try {
      const { url } = await assertPublicDestination(raw, {
        allowPrivate: this.config.allowPrivateDestinations,
        requireHttps: this.config.nodeEnv === 'production',
      });
      return url.toString();
    } catch (error) {
      if (error instanceof DestinationRefusedError) throw invalidInput(error.message, [{ field: 'url', errors: [error.message] }]);
      throw error;
    }
  }

  private checkSecret(secret: string): void {
    const problem = secretProblem(secret);
    if (problem) throw invalidInput(`secret ${problem}`, [{ field: 'secret', errors: [problem] }]);
  }
}
