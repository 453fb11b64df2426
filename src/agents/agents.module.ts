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

@Module({
  imports: [LlmModule, MemoryModule],
  controllers: [AgentsController, ExecutionsController, ApprovalsController],
  providers: [
    AgentsService,
    ExecutionService,
    ExecutionRecovery,
    {
      provide: ActionRegistry,
      inject: [MemoryService, APP_CONFIG],
      useFactory: (memory: MemoryService, config: AppConfig) =>
        new ActionRegistry(
          builtInActions({
            recall: (query, limit, ctx) => memory.recall({ schema: schemaForSlug(ctx.tenantSlug) }, ctx.agentId, query, limit),
            http: {
              allowPrivate: config.allowPrivateDestinations,
              requireHttps: config.nodeEnv === 'production' && !config.allowPrivateDestinations,
            },
          }),
        ),
    },
  ],
  exports: [AgentsService, ExecutionService, ActionRegistry],
})
export class AgentsModule {}
