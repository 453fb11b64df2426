import type Redis from 'ioredis';

/** One fixed window to count a request in: refused when `count >= limit`, forgotten at `resetAt` (ms). */
export interface CounterWindow {
  key: string;
  limit: number;
  resetAt: number;
}

export interface ConsumeResult {
  allowed: boolean;
  /** Count in each window after this request (unchanged when refused). */
  counts: number[];
  /** Index of the first window that refused, or -1. */
  refusedBy: number;
}

/**
 * Counters shared by rate limits and login throttling: in process memory by default, in Redis when
 * REDIS_URL is set so that several nodes share one budget.
 */
export interface CounterStore {
  /** Counts the request in every window, or in none when any window is full (refused requests do not count). */
  consume(windows: CounterWindow[]): Promise<ConsumeResult>;
  /**
   * Adds one and returns the count. The count is forgotten `ttlMs` after the first increment, or with
   * `sliding`, after the last one (a count that lives as long as increments keep coming).
   */
  increment(key: string, ttlMs: number, options?: { sliding?: boolean }): Promise<number>;
  setFlag(key: string, ttlMs: number): Promise<void>;
  /** Milliseconds left on a flag, 0 when absent. */
  remaining(key: string): Promise<number>;
  delete(key: string): Promise<void>;
}

export const COUNTER_STORE = Symbol('COUNTER_STORE');

export class MemoryCounterStore implements CounterStore {
  private readonly entries = new Map<string, { count: number; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live(key: string, now = Date.now()) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async consume(windows: CounterWindow[]): Promise<ConsumeResult> {
    const counts = windows.map((w) => this.live(w.key)?.count ?? 0);
    const refusedBy = windows.findIndex((w, i) => counts[i] >= w.limit);
    if (refusedBy >= 0) return { allowed: false, counts, refusedBy };
    windows.forEach((w, i) => {
      counts[i] += 1;
      this.entries.set(w.key, { count: counts[i], expiresAt: w.resetAt });
    });
    return { allowed: true, counts, refusedBy: -1 };
  }

  async increment(key: string, ttlMs: number, options?: { sliding?: boolean }): Promise<number> {
    const entry = this.live(key);
    const count = (entry?.count ?? 0) + 1;
    const expiresAt = entry && !options?.sliding ? entry.expiresAt : Date.now() + ttlMs;
    this.entries.set(key, { count, expiresAt });
    return count;
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { count: 1, expiresAt: Date.now() + ttlMs });
  }

  async remaining(key: string): Promise<number> {
    const entry = this.live(key);
    return entry ? entry.expiresAt - Date.now() : 0;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

// Check every window, then count in all of them, atomically: KEYS = windows, ARGV = limits then reset times (ms).
const CONSUME_SCRIPT = `
local n = #KEYS
local counts = {}
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
end
for i = 1, n do
  if counts[i] >= tonumber(ARGV[i]) then
    return {0, i, unpack(counts)}
  end
end
for i = 1, n do
  counts[i] = redis.call('INCR', KEYS[i])
  redis.call('PEXPIREAT', KEYS[i], ARGV[n + i])
end
return {1, 0, unpack(counts)}
`;

export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'atom:',
  ) {}

  async consume(windows: CounterWindow[]): Promise<ConsumeResult> {
    const keys = windows.map((w) => this.prefix + w.key);
    const args = [...windows.map((w) => String(w.limit)), ...windows.map((w) => String(w.resetAt))];
    const [allowed, refused, ...counts] = (await this.redis.eval(CONSUME_SCRIPT, keys.length, ...keys, ...args)) as number[];
    return { allowed: allowed === 1, counts: counts.map(Number), refusedBy: Number(refused) - 1 };
  }

  async increment(key: string, ttlMs: number, options?: { sliding?: boolean }): Promise<number> {
    const counting = this.redis.multi().incr(this.prefix + key);
    const expiring = options?.sliding ? counting.pexpire(this.prefix + key, ttlMs) : counting.pexpire(this.prefix + key, ttlMs, 'NX');
    const [[, count]] = (await expiring.exec()) as [[Error | null, number]];
    return count;
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, '1', 'PX', ttlMs);
  }

  async remaining(key: string): Promise<number> {
    const ttl = await this.redis.pttl(this.prefix + key);
    return ttl > 0 ? ttl : 0;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
