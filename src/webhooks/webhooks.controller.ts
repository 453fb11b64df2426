import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Ctx } from '../auth/context.decorator';
import { Endpoint } from '../auth/endpoint.decorator';
import type { AuthContext } from '../auth/principal';
import { Paginated } from '../common/http/envelope';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  CreatedWebhookDto, CreateWebhookDto, DeliveryDto, DeliveryListQueryDto, UpdateWebhookDto, WebhookDto, WebhookListQueryDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';
import { ParseIdPipe } from '../common/http/validation';

const uuid = new ParseIdPipe();
const SIGNING =
  'Each delivery is a POST of `{id, event, data, timestamp, tenant}` signed as Standard Webhooks (`webhook-id`, ' +
  '`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`) and with ' +
  '`X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>`. Receivers de-duplicate by `webhook-id` (at-least-once).';

/** Subscriptions hold secrets and point the service at other systems: admins and owners only. */
@ApiTags('Webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @Endpoint({ summary: 'List webhook subscriptions', description: '`q` searches url and description.', role: 'admin', response: WebhookDto, list: true, errors: ['INVALID_INPUT'] })
  async list(@Ctx() ctx: AuthContext, @Query() query: WebhookListQueryDto): Promise<Paginated<WebhookDto>> {
    const page = await this.webhooks.list(ctx, query);
    return new Paginated(page.items.map(WebhookDto.from), page.pagination);
  }

  @Post()
  @Endpoint({
    summary: 'Subscribe to events',
    description: `${SIGNING}\n\nWithout \`secret\` one is generated and returned in this response only.`,
    role: 'admin',
    status: 201,
    response: CreatedWebhookDto,
    errors: ['INVALID_INPUT', 'CONFLICT'],
  })
  @Idempotent()
  async create(@Ctx() ctx: AuthContext, @Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const { webhook, generatedSecret } = await this.webhooks.create(ctx, dto);
    return { ...WebhookDto.from(webhook), ...(generatedSecret ? { secret: generatedSecret } : {}) };
  }

  @Get(':id')
  @Endpoint({ summary: 'Get a webhook subscription', role: 'admin', response: WebhookDto, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async get(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<WebhookDto> {
    return WebhookDto.from(await this.webhooks.get(ctx, id));
  }

  @Put(':id')
  @Endpoint({ summary: 'Update a webhook subscription (partial, same as PATCH)', role: 'admin', response: WebhookDto, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async replace(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return WebhookDto.from(await this.webhooks.update(ctx, id, dto));
  }

  @Patch(':id')
  @Endpoint({
    summary: 'Update a webhook subscription',
    description: '`active: true` re-enables a disabled subscription and resets its failure count; `active: false` ends its waiting deliveries as failed.',
    role: 'admin',
    response: WebhookDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async update(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return WebhookDto.from(await this.webhooks.update(ctx, id, dto));
  }

  @Delete(':id')
  @Endpoint({ summary: 'Delete a webhook subscription', description: 'Its delivery history goes with it.', role: 'admin', response: null, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async remove(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<null> {
    await this.webhooks.remove(ctx, id);
    return null;
  }

  @Post(':id/test')
  @Endpoint({
    summary: 'Send a webhook.test event now',
    description: 'Sent to this subscription only (even when disabled), whatever its `events`. The answer is the delivery after its first attempt; a failed attempt is retried on the usual schedule.',
    role: 'admin',
    response: DeliveryDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND'],
  })
  async test(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string): Promise<DeliveryDto> {
    return DeliveryDto.from(await this.webhooks.test(ctx, id));
  }

  @Get(':id/deliveries')
  @Endpoint({ summary: 'List the deliveries of a subscription', description: 'Newest first by default.', role: 'admin', response: DeliveryDto, list: true, errors: ['INVALID_INPUT', 'NOT_FOUND'] })
  async deliveries(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Query() query: DeliveryListQueryDto): Promise<Paginated<DeliveryDto>> {
    const page = await this.webhooks.deliveries(ctx, id, query);
    return new Paginated(page.items.map(DeliveryDto.from), page.pagination);
  }

  @Post(':id/deliveries/:delivery_id/retry')
  @Endpoint({
    summary: 'Retry a delivery now',
    description: 'One more attempt now, then the usual retry schedule. Also replays a delivered event. 409 while an attempt is under way or the subscription is disabled.',
    role: 'admin',
    status: 202,
    response: DeliveryDto,
    errors: ['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT'],
  })
  async retry(@Ctx() ctx: AuthContext, @Param('id', uuid) id: string, @Param('delivery_id', uuid) deliveryId: string): Promise<DeliveryDto> {
    return DeliveryDto.from(await this.webhooks.retry(ctx, id, deliveryId));
  }
}
