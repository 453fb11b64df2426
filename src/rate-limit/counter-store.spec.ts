import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { type CounterStore, type CounterWindow, MemoryCounterStore, RedisCounterStore } from './counter-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const inAMinute = () => Date.now() + 60_000;
const window = (key: string, limit: number, resetAt = inAMinute()): CounterWindow => ({ key, limit, resetAt });

/** The same contract for every store; `fresh` gives a store whose keys no other test uses. */
function behavesAsCounterStore(fresh: () => CounterStore) {
  let store: CounterStore;
  beforeEach(() => (store = fresh()));

  describe('consume', () => {
    it('counts the request in every window', async () => {
      const windows = [window('a', 3), window('b', 5)];
      expect(await store.consume(windows)).toEqual({ allowed: true, counts: [1, 1], refusedBy: -1 });
      expect(await store.consume(windows)).toEqual({ allowed: true, counts: [2, 2], refusedBy: -1 });
    });

    it('refuses once a window holds its limit, naming that window', async () => {
      const windows = [window('a', 5), window('b', 2)];
      await store.consume(windows);
      await store.consume(windows);
      expect(await store.consume(windows)).toEqual({ allowed: false, counts: [2, 2], refusedBy: 1 });
    });

    it('names the first full window when several are full', async () => {
      const windows = [window('a', 1), window('b', 1)];
      await store.consume(windows);
      expect((await store.consume(windows)).refusedBy).toBe(0);
    });

    it('does not count a refused request in any window', async () => {
      const full = window('full', 1);
      const open = window('open', 100);
      await store.consume([full]);
      for (let i = 0; i < 3; i++) expect((await store.consume([open, full])).allowed).toBe(false);
      expect((await store.consume([open])).counts).toEqual([1]);
    });

    it('forgets a window whose resetAt has passed', async () => {
      const past = window('past', 1, Date.now() - 1000);
      expect((await store.consume([past])).allowed).toBe(true);
      expect(await store.consume([past])).toEqual({ allowed: true, counts: [1], refusedBy: -1 });
    });

    it('forgets a window once its resetAt arrives', async () => {
      const soon = window('soon', 1, Date.now() + 300);
      expect((await store.consume([soon])).allowed).toBe(true);
      expect((await store.consume([soon])).allowed).toBe(false);
      await sleep(350);
      expect((await store.consume([soon])).allowed).toBe(true);
    });

    it('allows exactly the limit out of 50 concurrent requests', async () => {
      const windows = [window('burst', 10)];
      const results = await Promise.all(Array.from({ length: 50 }, () => store.consume(windows)));
      const allowed = results.filter((r) => r.allowed);
      expect(allowed).toHaveLength(10);
      expect(allowed.map((r) => r.counts[0]).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(results.filter((r) => !r.allowed).every((r) => r.refusedBy === 0 && r.counts[0] === 10)).toBe(true);
    });
  });

  describe('increment', () => {
    it('counts up from 1', async () => {
      expect(await store.increment('n', 10_000)).toBe(1);
      expect(await store.increment('n', 10_000)).toBe(2);
      expect(await store.increment('n', 10_000)).toBe(3);
    });

    it('with sliding, expires ttlMs after the last increment', async () => {
      await store.increment('sliding', 600, { sliding: true });
      await sleep(400);
      expect(await store.increment('sliding', 600, { sliding: true })).toBe(2);
      await sleep(400);
      // 800 ms after the first: still counted, as the second renewed it.
      expect(await store.increment('sliding', 600, { sliding: true })).toBe(3);
      await sleep(750);
      expect(await store.increment('sliding', 600, { sliding: true })).toBe(1);
    });

    it('expires ttlMs after the first increment, not the last', async () => {
      await store.increment('fixed', 300);
      await sleep(150);
      expect(await store.increment('fixed', 300)).toBe(2);
      await sleep(200);
      expect(await store.increment('fixed', 300)).toBe(1);
    });
  });

  describe('setFlag / remaining', () => {
    it('reports 0 for an absent flag', async () => {
      expect(await store.remaining('absent')).toBe(0);
    });

    it('reports the milliseconds left on a flag', async () => {
      await store.setFlag('flag', 5000);
      const left = await store.remaining('flag');
      expect(left).toBeGreaterThan(4000);
      expect(left).toBeLessThanOrEqual(5000);
    });

    it('replaces the time left when set again', async () => {
      await store.setFlag('flag', 60_000);
      await store.setFlag('flag', 2000);
      expect(await store.remaining('flag')).toBeLessThanOrEqual(2000);
    });

    it('reports 0 once the flag has expired', async () => {
      await store.setFlag('short', 50);
      await sleep(100);
      expect(await store.remaining('short')).toBe(0);
    });
  });

  describe('delete', () => {
    it('removes a counter and a flag', async () => {
      await store.increment('gone', 10_000);
      await store.increment('gone', 10_000);
      await store.setFlag('gone-flag', 10_000);
      await store.delete('gone');
      await store.delete('gone-flag');
      expect(await store.increment('gone', 10_000)).toBe(1);
      expect(await store.remaining('gone-flag')).toBe(0);
    });

    it('is a no-op for an absent key', async () => {
      await expect(store.delete('never-set')).resolves.toBeUndefined();
    });
  });
}

describe('MemoryCounterStore', () => {
  behavesAsCounterStore(() => new MemoryCounterStore());
});

const redisUrl = process.env.TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('RedisCounterStore (runs only when TEST_REDIS_URL is set)', () => {
  const runPrefix = `atom-test:${randomUUID()}:`;
  let redis: Redis;
  let storeNumber = 0;

  beforeAll(() => {
    redis = new Redis(redisUrl as string, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${runPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  behavesAsCounterStore(() => new RedisCounterStore(redis, `${runPrefix}${++storeNumber}:`));

  it('keeps its keys under its prefix', async () => {
    const prefix = `${runPrefix}prefixed:`;
    const store = new RedisCounterStore(redis, prefix);
    await store.consume([window('w', 5)]);
    await store.increment('c', 10_000);
    await store.setFlag('f', 10_000);
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([`${prefix}c`, `${prefix}f`, `${prefix}w`]);
  });
});
