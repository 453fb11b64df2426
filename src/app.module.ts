import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AgentEntity } from './agents/agent.entity';
import { AgentsModule } from './agents/agents.module';
import { ExecutionEntity } from './agents/execution/execution.entity';
import { EpisodeEntity } from './memory/episode.entity';
import { AuthModule } from './auth/auth.module';
import { ChatModule } from './chat/chat.module';
import { AUTH_ENTITIES } from './auth/entities';
import { CredentialGuard, RolesGuard, TenantGuard } from './auth/guards';
import { AllExceptionsFilter } from './common/http/exception.filter';
import { EnvelopeInterceptor } from './common/http/envelope.interceptor';
import { APP_CONFIG, type AppConfig } from './config/config';
import { DatabaseModule } from './database/database.module';
import { DeletionsModule } from './common/deletions';
import { SecretBox } from './common/secret-box';
import { GraduationModule } from './graduation/graduation.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PlanThrottlerGuard } from './rate-limit/plan-throttler.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { TenantEntity } from './tenancy/tenant.entity';
import { WebhookEntity } from './webhooks/webhook.entity';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    // One SecretBox for every secret sealed at rest (webhook secrets, idempotent responses), built from ENCRYPTION_KEY.
    const secretBox = { provide: SecretBox, useValue: new SecretBox(config.encryptionKey) };
    return { module: ConfigModule, global: true, providers: [{ provide: APP_CONFIG, useValue: config }, secretBox], exports: [APP_CONFIG, SecretBox] };
  }
}

/** Wires the domain modules and the request pipeline; nothing else. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DeletionsModule,
        DatabaseModule.forRoot([TenantEntity, ...AUTH_ENTITIES, AgentEntity, ExecutionEntity, EpisodeEntity, WebhookEntity]),
        RateLimitModule,
        TenancyModule,
        AuthModule,
        AgentsModule,
        GraduationModule,
        ChatModule,
        WebhooksModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [
        // Guards run in this order: tenant -> credential -> plan rate limit -> role. The limit comes
        // before the role check so that a request refused for its role still counts and carries the
        // X-RateLimit-* headers (design.md section 5: every request resolved to a tenant counts).
        { provide: APP_GUARD, useExisting: TenantGuard },
        { provide: APP_GUARD, useExisting: CredentialGuard },
        { provide: APP_GUARD, useExisting: PlanThrottlerGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
