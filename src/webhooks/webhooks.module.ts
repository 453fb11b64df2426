import { Module } from '@nestjs/common';
import { DeliveryWorker } from './delivery.worker';
import { WebhookEvents } from './webhook-events.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Subscriptions, the outbox every domain emits into (WebhookEvents), and the delivery worker. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookEvents, DeliveryWorker],
  exports: [WebhookEvents],
})
export class WebhooksModule {}
