import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/http/error-codes';
import { COUNTER_STORE, type CounterStore } from '../rate-limit/counter-store';
import { canonicalEmail } from './email';

const FREE_FAILURES = 5;
const MAX_LOCK_MS = 15 * 60_000;
/**
 * How long an account's failures are remembered after its last attempt: longer than the longest
 * lock, so a guesser who waits out each lock keeps meeting the longest one (one guess per 15 min).
 * Counted from the first failure, as before, the count ran out while the locks were still growing: ~1,200
 * guesses a day instead of ~100.
 */
const FAILURE_MEMORY_MS = 60 * 60_000;

/** Milliseconds an account waits after `failures` consecutive failures: none for the first five, then 1 s, 2 s, 4 s… up to 15 min. */
export function lockoutMs(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, 1000 * 2 ** (failures - FREE_FAILURES));
}

/**
 * Slows down password guessing per account (tenant + email, known or not, so it reveals nothing
 * about which emails exist). Counters live in the shared counter store (Redis when configured).
 *
 * An attempt is counted when it starts, not when its password turns out wrong: otherwise a burst of
 * parallel guesses would all pass the check before the first failure was recorded. Past the free
 * attempts, a gate lets one attempt through per lock period, so a burst gets one guess, not hundreds.
 */
@Injectable()
export class LoginThrottle {
  constructor(@Inject(COUNTER_STORE) private readonly counters: CounterStore) {}

  private keys(tenantId: string, email: string) {
    const account = `${tenantId}:${canonicalEmail(email)}`;
    return { attempts: `login:fail:${account}`, lock: `login:lock:${account}`, gate: `login:gate:${account}` };
  }

  /** Call before checking the password. Returns the attempt's number, for recordFailure. */
  async begin(tenantId: string, email: string): Promise<number> {
    const keys = this.keys(tenantId, email);
    const waitMs = await this.counters.remaining(keys.lock);
    if (waitMs > 0) throw tooMany(waitMs);
    const attempt = await this.counters.increment(keys.attempts, FAILURE_MEMORY_MS, { sliding: true });
    const gateMs = lockoutMs(attempt - 1);
    if (gateMs > 0 && (await this.counters.increment(keys.gate, gateMs)) > 1) throw tooMany(gateMs);
    return attempt;
  }

  async recordFailure(tenantId: string, email: string, attempt: number): Promise<void> {
    const lockMs = lockoutMs(attempt);
    if (lockMs > 0) await this.counters.setFlag(this.keys(tenantId, email).lock, lockMs);
  }

  async recordSuccess(tenantId: string, email: string): Promise<void> {
    const keys = this.keys(tenantId, email);
    await this.counters.delete(keys.attempts);
    await this.counters.delete(keys.gate);
  }
}

function tooMany(waitMs: number): AppError {
  const seconds = Math.ceil(waitMs / 1000);
  return new AppError(
    'RATE_LIMIT_EXCEEDED',
    `Too many failed logins for this account; try again in ${seconds} s`,
    { retry_after: seconds },
    { 'Retry-After': String(seconds) },
  );
}
