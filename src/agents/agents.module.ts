import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { MemoryModule } from '../memory/memory.module';
import { MemoryService } from '../memory/memory.service';
import { schemaForSlug } from '../tenancy/slug';
import { AgentsController } from './agents.controller';
import { ApprovalsController } from './approvals/approvals.controller';
import { AgentsService } from './agents.service';
import { ExecutionRecovery } from './execution/execution-recovery';
import { ExecutionService } from './execution/execution.service';
import { ExecutionsController } from './execution/executions.controller';
import { LlmModule } from './execution/llm/llm.module';
import { ActionRegistry, builtInActions } from './governance/actions';
import { TrainingRecovery } from './training/training-recovery';
import { TrainingController } from './training/training.controller';
import { TrainingService } from './training/training.service';
import { WebhookEvents } from '../webhooks/webhook-events.service';
import { WebhooksModule } from '../webhooks/webhooks.module';

@Module({
  imports: [LlmModule, MemoryModule, WebhooksModule],
  controllers: [AgentsController, ExecutionsController, ApprovalsController, TrainingController],
  providers: [
    AgentsService,
    ExecutionService,
    ExecutionRecovery,
    TrainingService,
    TrainingRecovery,
    {
      provide: ActionRegistry,
      inject: [MemoryService, WebhookEvents, APP_CONFIG],
      useFactory: (memory: MemoryService, events: WebhookEvents, config: AppConfig) =>
        new ActionRegistry(
          builtInActions({
            recall: (query, limit, ctx) => memory.recall({ schema: schemaForSlug(ctx.tenantSlug) }, ctx.agentId, query, limit),
            http: {
              allowPrivate: config.allowPrivateDestinations,
              requireHttps: config.nodeEnv === 'production' && !config.allowPrivateDestinations,
            },
            emitEvent: async (ctx, event) => {
              const { eventId, deliveries } = await events.emitAlone(ctx.tenantSlug, 'agent.event', event);
              return { event_id: eventId, deliveries };
            },
          }),
        ),
    },
  ],
  exports: [AgentsService, ExecutionService, ActionRegistry, TrainingService],
})
export class AgentsModule {}
