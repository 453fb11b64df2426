import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { RedisConnection } from '../database/redis';
import { COUNTER_STORE, MemoryCounterStore, RedisCounterStore } from './counter-store';
import { PlanThrottlerGuard } from './plan-throttler.guard';

@Global()
@Module({
  // One named throttler so the guard runs once per request; the limits themselves come from the plan.
  imports: [ThrottlerModule.forRoot({ throttlers: [{ name: 'plan', ttl: 60_000, limit: 1 }] })],
  providers: [
    {
      provide: COUNTER_STORE,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => (redis.client ? new RedisCounterStore(redis.client) : new MemoryCounterStore()),
    },
    PlanThrottlerGuard,
  ],
  exports: [COUNTER_STORE, PlanThrottlerGuard],
})
export class RateLimitModule {}
