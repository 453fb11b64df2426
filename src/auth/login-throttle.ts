import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/http/error-codes';
import { COUNTER_STORE, type CounterStore } from '../rate-limit/counter-store';

const FREE_FAILURES = 5;
const FAILURE_MEMORY_MS = 15 * 60_000;
const MAX_LOCK_MS = 15 * 60_000;

/** Milliseconds an account waits after `failures` consecutive failures: none for the first five, then 1 s, 2 s, 4 s… up to 15 min. */
export function lockoutMs(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, 1000 * 2 ** (failures - FREE_FAILURES));
}

/**
 * Slows down password guessing per account (tenant + email, known or not, so it reveals nothing
 * about which emails exist). Counters live in the shared counter store (Redis when configured).
 */
@Injectable()
export class LoginThrottle {
  constructor(@Inject(COUNTER_STORE) private readonly counters: CounterStore) {}

  private keys(tenantId: string, email: string) {
    const account = `${tenantId}:${email.toLowerCase()}`;
    return { failures: `login:fail:${account}`, lock: `login:lock:${account}` };
  }

  async assertAllowed(tenantId: string, email: string): Promise<void> {
    const waitMs = await this.counters.remaining(this.keys(tenantId, email).lock);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new AppError(
        'RATE_LIMIT_EXCEEDED',
        `Too many failed logins for this account; try again in ${seconds} s`,
        { retry_after: seconds },
        { 'Retry-After': String(seconds) },
      );
    }
  }

  async recordFailure(tenantId: string, email: string): Promise<void> {
    const keys = this.keys(tenantId, email);
    const failures = await this.counters.increment(keys.failures, FAILURE_MEMORY_MS);
    const lockMs = lockoutMs(failures);
    if (lockMs > 0) await this.counters.setFlag(keys.lock, lockMs);
  }

  async recordSuccess(tenantId: string, email: string): Promise<void> {
    const keys = this.keys(tenantId, email);
    await this.counters.delete(keys.failures);
  }
}
