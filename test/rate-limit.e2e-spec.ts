import Redis from 'ioredis';
import type { Response } from 'supertest';
import { PASSWORD, PLATFORM_KEY, TenantFixture, TestApp, expectError } from './support/test-app';

/**
 * Plan limits against the real app (design.md sections 4 and 5): one budget per tenant across its
 * routes and credentials, the daily window is the UTC calendar day, the X-RateLimit-* headers describe
 * the daily quota (the minute window when the plan has no daily quota, or when the minute refused).
 * The daily reset itself cannot be waited for here: src/rate-limit/windows.spec.ts covers its math.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const FREE_PER_DAY = 50;
const TEAM_PER_DAY = 5000;
const ENTERPRISE_PER_MINUTE = 1000;

const nextMidnightS = (now = Date.now()) => (Math.floor(now / DAY_MS) + 1) * (DAY_MS / 1000);
const nextMinuteS = (now = Date.now()) => (Math.floor(now / MINUTE_MS) + 1) * (MINUTE_MS / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Counting tests must not straddle a window boundary (the count would restart under them). These
 * wait, at most `marginMs`, when the current clock minute (and so the UTC day) or the UTC day ends
 * sooner than that.
 */
async function awayFromMinuteEnd(marginMs = 10_000): Promise<void> {
  const left = nextMinuteS() * 1000 - Date.now();
  if (left < marginMs) await sleep(left + 50);
}
async function awayFromMidnight(marginMs = 20_000): Promise<void> {
  const left = nextMidnightS() * 1000 - Date.now();
  if (left < marginMs) await sleep(left + 50);
}

interface LimitHeaders {
  limit: number;
  remaining: number;
  reset: number;
}

function limitHeaders(res: Response): LimitHeaders {
  const raw = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'].map((name) => res.headers[name]);
  expect(raw.every((value) => typeof value === 'string' && /^\d+$/.test(value))).toBe(true);
  const [limit, remaining, reset] = raw.map(Number);
  return { limit, remaining, reset };
}

function expectNoLimitHeaders(res: Response): void {
  expect(Object.keys(res.headers).filter((name) => name.startsWith('x-ratelimit-') || name === 'retry-after')).toEqual([]);
}

/** A 429 from the plan limit: the envelope, Remaining 0, Reset at the refusing window's end, Retry-After until then. */
function expectRefused(res: Response, window: 'day' | 'minute', limit: number): void {
  expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
  const headers = limitHeaders(res);
  const end = window === 'day' ? nextMidnightS() : nextMinuteS();
  expect(headers).toEqual({ limit, remaining: 0, reset: end });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(Math.abs(retryAfter - (end - Date.now() / 1000))).toBeLessThanOrEqual(2);
  expect(res.body.error.details).toEqual({ window, limit, reset_at: new Date(end * 1000).toISOString() });
}

const redisUrl = process.env.TEST_REDIS_URL;
const stores: Array<[string, Record<string, string>]> = [['memory', {}], ...(redisUrl ? [['redis', { REDIS_URL: redisUrl }] as [string, Record<string, string>]] : [])];

/** Redis keys live until their window ends; drop the ones of this run's tenants. */
async function dropRedisCounters(tenantIds: string[]): Promise<void> {
  if (!redisUrl || tenantIds.length === 0) return;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (const id of tenantIds) {
      const keys = await redis.keys(`atom:rl:${id}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    await redis.quit();
  }
}

describe.each(stores)('plan rate limits (%s counters)', (_store, env) => {
  let t: TestApp;
  const tenantIds: string[] = [];

  beforeAll(async () => {
    t = await TestApp.start(env);
  });
  afterAll(async () => {
    await t?.close();
    await dropRedisCounters(tenantIds);
  });

  const bearer = (tenant: TenantFixture) => `Bearer ${tenant.ownerToken}`;
  const me = (tenant: TenantFixture) => t.http.get('/api/auth/me').set('Authorization', bearer(tenant));
  const platform = <T extends { set(name: string, value: string): T }>(req: T) => req.set('X-Platform-Key', PLATFORM_KEY);
  const patchTenant = async (slug: string, body: Record<string, unknown>) => {
    const res = await platform(t.http.patch(`/api/tenants/${slug}`)).send(body);
    expect(res.status).toBe(200);
    expectNoLimitHeaders(res);
    return res;
  };

  /** A tenant of `plan` whose owner is logged in: that login is its first counted request. */
  async function tenantOn(plan: string): Promise<TenantFixture> {
    const tenant = await t.createTenant(undefined, plan);
    const res = await me(tenant);
    expect(res.status).toBe(200);
    tenantIds.push(res.body.data.tenant.id);
    return tenant;
  }

  it('every authenticated response carries the daily quota: Limit, Remaining, Reset at 00:00 UTC', async () => {
    await awayFromMidnight();
    const tenant = await tenantOn('team'); // login (1) and me (2) counted
    const { key } = (await t.http.post('/api/api-keys').set('Authorization', bearer(tenant)).send({ name: 'k', role: 'admin' })).body.data; // 3
    const memberKey = (await t.http.post('/api/api-keys').set('Authorization', bearer(tenant)).send({ name: 'm', role: 'member' })).body.data.key; // 4
    const calls: Array<() => Promise<Response>> = [
      () => me(tenant),
      () => t.http.get('/api/v1/auth/me').set('X-API-Key', key),
      () => t.http.get('/api/users').set('Authorization', bearer(tenant)).set('X-Tenant-ID', tenant.slug),
      () => t.http.get('/api/api-keys').set('X-API-Key', key).set('Host', `${tenant.slug}.localhost`),
      // Errors raised after the limit check are counted and carry the headers too.
      () => t.http.get('/api/users/00000000-0000-4000-8000-000000000000').set('Authorization', bearer(tenant)),
      () => t.http.get('/api/users?limit=1000').set('X-API-Key', key),
      () => t.http.post('/api/users').set('Authorization', bearer(tenant)).send({ email: 'not-an-email' }),
      // A request refused for its role is resolved to the tenant: it counts as well.
      () => t.http.get('/api/users').set('X-API-Key', memberKey),
    ];
    const statuses: number[] = [];
    let expected = TEAM_PER_DAY - 4;
    for (const call of calls) {
      const res = await call();
      statuses.push(res.status);
      expected -= 1;
      const headers = limitHeaders(res);
      expect(headers).toEqual({ limit: TEAM_PER_DAY, remaining: expected, reset: nextMidnightS() });
      expect(headers.reset).toBeGreaterThan(Date.now() / 1000);
      expect(res.headers['retry-after']).toBeUndefined();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 404, 400, 400, 403]);
  });

  it('enterprise (no daily quota): the headers describe the minute window, and its override applies', async () => {
    await awayFromMinuteEnd();
    const tenant = await tenantOn('enterprise'); // login and me: 2 this minute
    const res = await me(tenant);
    expect(limitHeaders(res)).toEqual({ limit: ENTERPRISE_PER_MINUTE, remaining: ENTERPRISE_PER_MINUTE - 3, reset: nextMinuteS() });
    expect(limitHeaders(res).reset - Date.now() / 1000).toBeLessThanOrEqual(60);

    await patchTenant(tenant.slug, { requests_per_minute: 5 });
    expect(limitHeaders(await me(tenant))).toEqual({ limit: 5, remaining: 1, reset: nextMinuteS() });
    expect(limitHeaders(await me(tenant))).toMatchObject({ limit: 5, remaining: 0 });
    expectRefused(await me(tenant), 'minute', 5);
  });

  it('a free tenant spends 50 a day across routes and credentials, then gets 429; other tenants are unaffected', async () => {
    await awayFromMidnight();
    const tenant = await tenantOn('free'); // login, me: 2
    const other = await tenantOn('free'); // its own 2
    const keyRes = await t.http.post('/api/api-keys').set('Authorization', bearer(tenant)).send({ name: 'shared-budget', role: 'admin' }); // 3
    const key: string = keyRes.body.data.key;
    expect(limitHeaders(keyRes).remaining).toBe(FREE_PER_DAY - 3);

    const calls: Array<() => Promise<Response>> = [
      () => me(tenant),
      () => t.http.get('/api/auth/me').set('X-API-Key', key),
      () => t.http.get('/api/users').set('Authorization', bearer(tenant)),
      () => t.http.get('/api/v1/api-keys').set('X-API-Key', key),
    ];
    let remaining = FREE_PER_DAY - 3;
    for (let i = 0; remaining > 0; i++) {
      const res = await calls[i % calls.length]();
      expect(res.status).toBe(200);
      remaining -= 1;
      expect(limitHeaders(res)).toEqual({ limit: FREE_PER_DAY, remaining, reset: nextMidnightS() });
    }

    // The 51st request of the day, whatever the route or credential.
    expectRefused(await me(tenant), 'day', FREE_PER_DAY);
    expectRefused(await t.http.get('/api/auth/me').set('X-API-Key', key), 'day', FREE_PER_DAY);
    expectRefused(await t.http.get('/api/users').set('X-API-Key', key).set('X-Tenant-ID', tenant.slug), 'day', FREE_PER_DAY);
    expectRefused(await t.http.post('/api/users').set('Authorization', bearer(tenant)).send({}), 'day', FREE_PER_DAY);
    // Login counts against the tenant too: refused even with the right password.
    expectRefused(
      await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: PASSWORD }),
      'day',
      FREE_PER_DAY,
    );
    expectRefused(await t.http.post('/api/auth/refresh').set('X-Tenant-ID', tenant.slug).send({ refresh_token: tenant.refreshToken }), 'day', FREE_PER_DAY);

    // The other tenant has spent only its own two.
    expect(limitHeaders(await me(other))).toEqual({ limit: FREE_PER_DAY, remaining: FREE_PER_DAY - 3, reset: nextMidnightS() });
  });

  it('a plan change applies at once; refused requests were not counted', async () => {
    await awayFromMidnight();
    const tenant = await tenantOn('free'); // 2
    for (let i = 2; i < FREE_PER_DAY; i++) expect((await me(tenant)).status).toBe(200);
    for (let i = 0; i < 3; i++) expectRefused(await me(tenant), 'day', FREE_PER_DAY);

    const patched = await patchTenant(tenant.slug, { plan: 'team' });
    expect(patched.body.data.plan).toBe('team');
    const res = await me(tenant);
    expect(res.status).toBe(200);
    expect(res.body.data.tenant.plan).toBe('team');
    // Same day window, new limit: 50 counted before, this is the 51st (the three 429s did not count).
    expect(limitHeaders(res)).toEqual({ limit: TEAM_PER_DAY, remaining: TEAM_PER_DAY - 51, reset: nextMidnightS() });

    await patchTenant(tenant.slug, { plan: 'solo' });
    expect(limitHeaders(await me(tenant))).toMatchObject({ limit: 500, remaining: 500 - 52 });

    await patchTenant(tenant.slug, { plan: 'free' });
    expectRefused(await me(tenant), 'day', FREE_PER_DAY);
  });

  it('the requests_per_minute override applies at once, and a minute refusal describes the minute window', async () => {
    await awayFromMinuteEnd(15_000);
    const tenant = await tenantOn('team'); // login and me: 2 this minute
    const patched = await patchTenant(tenant.slug, { requests_per_minute: 4 });
    expect(patched.body.data.requests_per_minute).toBe(4);

    // While the minute has room, the headers still describe the daily quota.
    const third = await me(tenant);
    expect(limitHeaders(third)).toEqual({ limit: TEAM_PER_DAY, remaining: TEAM_PER_DAY - 3, reset: nextMidnightS() });
    expect((await me(tenant)).status).toBe(200); // 4th of the minute
    expectRefused(await me(tenant), 'minute', 4);
    expectRefused(await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: PASSWORD }), 'minute', 4);

    // Clearing the override restores the plan's 500/min at once; refused requests left the day count at 4.
    await patchTenant(tenant.slug, { requests_per_minute: null });
    expect(limitHeaders(await me(tenant))).toEqual({ limit: TEAM_PER_DAY, remaining: TEAM_PER_DAY - 5, reset: nextMidnightS() });
  });

  it('when the day and the minute are both spent, the 429 describes the day', async () => {
    await awayFromMinuteEnd(20_000);
    const tenant = await tenantOn('free'); // login and me: 2 in the day and in the minute
    await patchTenant(tenant.slug, { requests_per_minute: FREE_PER_DAY });
    for (let i = 2; i < FREE_PER_DAY; i++) expect((await me(tenant)).status).toBe(200);
    expectRefused(await me(tenant), 'day', FREE_PER_DAY);
    // With more room in the day than in the minute, the minute is what refuses.
    await patchTenant(tenant.slug, { plan: 'solo' });
    expectRefused(await me(tenant), 'minute', FREE_PER_DAY);
  });

  it('platform routes, health and docs are not counted and carry no rate-limit headers', async () => {
    await awayFromMidnight();
    const tenant = await tenantOn('free'); // 2
    const onTenantHost = (req: ReturnType<typeof t.http.get>) => req.set('Host', `${tenant.slug}.localhost`);
    const uncounted: Response[] = [
      await platform(t.http.get('/api/tenants')),
      await platform(onTenantHost(t.http.get('/api/tenants'))),
      await platform(t.http.get(`/api/tenants/${tenant.slug}`)).set('Authorization', bearer(tenant)),
      await platform(t.http.patch(`/api/tenants/${tenant.slug}`)).set('X-Tenant-ID', tenant.slug).send({ name: 'Renamed' }),
      await t.http.get('/api/health'),
      await onTenantHost(t.http.get('/api/v1/health')).set('Authorization', bearer(tenant)),
      await t.http.get('/api/openapi.json').set('X-Tenant-ID', tenant.slug),
    ];
    expect(uncounted.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    uncounted.forEach(expectNoLimitHeaders);

    // Requests refused before the tenant is known for sure are not counted either.
    const refused: Response[] = [
      await t.http.get('/api/auth/me').set('X-Tenant-ID', tenant.slug), // no credential
      await t.http.get('/api/auth/me').set('Authorization', 'Bearer not-a-token').set('X-Tenant-ID', tenant.slug),
      await t.http.get('/api/auth/me').set('X-API-Key', 'atom_no-such-key-0123456789abcdef').set('Host', `${tenant.slug}.localhost`),
    ];
    refused.forEach((res) => {
      expectError(res, 401, 'UNAUTHORIZED');
      expectNoLimitHeaders(res);
    });

    expect(limitHeaders(await me(tenant)).remaining).toBe(FREE_PER_DAY - 3);
  });

  it('login, refresh and logout (tenant-public) count against the tenant they name; no tenant, no count', async () => {
    await awayFromMidnight();
    const tenant = await tenantOn('free'); // 2
    const login = (password: string, slug = tenant.slug) => t.http.post('/api/auth/login').set('X-Tenant-ID', slug).send({ email: tenant.ownerEmail, password });

    const wrong = await login('wrong password entirely');
    expectError(wrong, 401, 'UNAUTHORIZED');
    expect(limitHeaders(wrong)).toEqual({ limit: FREE_PER_DAY, remaining: FREE_PER_DAY - 3, reset: nextMidnightS() });

    const ok = await login(PASSWORD);
    expect(ok.status).toBe(200);
    expect(limitHeaders(ok).remaining).toBe(FREE_PER_DAY - 4);

    const refreshed = await t.http.post('/api/auth/refresh').set('Host', `${tenant.slug}.localhost`).send({ refresh_token: ok.body.data.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(limitHeaders(refreshed).remaining).toBe(FREE_PER_DAY - 5);

    const invalid = await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: 'nope' });
    expectError(invalid, 400, 'INVALID_INPUT');
    expect(limitHeaders(invalid).remaining).toBe(FREE_PER_DAY - 6);

    const logout = await t.http.post('/api/auth/logout').set('X-Tenant-ID', tenant.slug).send({ refresh_token: refreshed.body.data.refresh_token });
    expect(logout.status).toBe(200);
    expect(limitHeaders(logout).remaining).toBe(FREE_PER_DAY - 7);

    // No tenant, or one that does not exist: nothing to count against, no headers.
    const noTenant = await t.http.post('/api/auth/login').send({ email: tenant.ownerEmail, password: PASSWORD });
    expectError(noTenant, 400, 'INVALID_INPUT');
    expectNoLimitHeaders(noTenant);
    const unknown = await login(PASSWORD, 'no-such-tenant-here');
    expectError(unknown, 404, 'TENANT_NOT_FOUND');
    expectNoLimitHeaders(unknown);

    expect(limitHeaders(await me(tenant)).remaining).toBe(FREE_PER_DAY - 8);
  });
});

// Two server processes on one database and one Redis: one budget. An embedded (in-memory) database
// belongs to one app, so this needs a real PostgreSQL (DATABASE_URL) as well as TEST_REDIS_URL.
const twoNodes = process.env.DATABASE_URL && redisUrl ? describe : describe.skip;
twoNodes('plan rate limits across two nodes sharing Redis (needs DATABASE_URL and TEST_REDIS_URL)', () => {
  let first: TestApp;
  let second: TestApp;
  const tenantIds: string[] = [];

  beforeAll(async () => {
    first = await TestApp.start({ REDIS_URL: redisUrl as string });
    second = await TestApp.start({ REDIS_URL: redisUrl as string }, { shareDatabaseWith: first });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await dropRedisCounters(tenantIds);
  });

  it('share one budget: requests on either node count once, both refuse once it is spent', async () => {
    await awayFromMidnight();
    const tenant = await first.createTenant(undefined, 'free'); // login on the first node: 1
    const other = await second.createTenant(undefined, 'free');
    const onSecond = await second.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: PASSWORD }); // 2
    expect(onSecond.status).toBe(200);
    const firstMe = await first.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`); // 3
    expect(limitHeaders(firstMe).remaining).toBe(FREE_PER_DAY - 3);
    tenantIds.push(firstMe.body.data.tenant.id);
    const tokens = [`Bearer ${tenant.ownerToken}`, `Bearer ${onSecond.body.data.access_token}`];
    const nodes = [first, second];

    let remaining = FREE_PER_DAY - 3;
    for (let i = 0; remaining > 0; i++) {
      const res = await nodes[i % 2].http.get('/api/auth/me').set('Authorization', tokens[(i >> 1) % 2]);
      expect(res.status).toBe(200);
      remaining -= 1;
      expect(limitHeaders(res)).toEqual({ limit: FREE_PER_DAY, remaining, reset: nextMidnightS() });
    }
    for (const node of nodes) {
      for (const token of tokens) expectRefused(await node.http.get('/api/auth/me').set('Authorization', token), 'day', FREE_PER_DAY);
    }

    // Concurrent requests on both nodes are counted atomically: none slips past the limit.
    const otherRes = await Promise.all(
      Array.from({ length: 60 }, (_, i) => nodes[i % 2].http.get('/api/auth/me').set('Authorization', `Bearer ${other.ownerToken}`)),
    );
    tenantIds.push(otherRes.find((res) => res.status === 200)?.body.data.tenant.id);
    // 'other' spent 1 (its login) before: 49 of the 60 pass.
    expect(otherRes.filter((res) => res.status === 200)).toHaveLength(FREE_PER_DAY - 1);
    otherRes.filter((res) => res.status !== 200).forEach((res) => expectRefused(res, 'day', FREE_PER_DAY));
    expect(otherRes.map((res) => limitHeaders(res).remaining).filter((n) => n > 0).sort((a, b) => a - b)).toEqual(
      Array.from({ length: FREE_PER_DAY - 2 }, (_, i) => i + 1),
    );
  });

  it('a plan change made on one node applies on the other at once (tenant cache invalidated through Redis)', async () => {
    await awayFromMidnight();
    const tenant = await first.createTenant(undefined, 'free');
    const loginOnSecond = () => second.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: PASSWORD });
    const seen = await loginOnSecond(); // the second node now caches the tenant as free
    expect(limitHeaders(seen).limit).toBe(FREE_PER_DAY);
    tenantIds.push((await second.http.get('/api/auth/me').set('Authorization', `Bearer ${seen.body.data.access_token}`)).body.data.tenant.id);

    const patched = await first.http.patch(`/api/tenants/${tenant.slug}`).set('X-Platform-Key', PLATFORM_KEY).send({ plan: 'team' });
    expect(patched.status).toBe(200);
    // Pub/sub delivery is asynchronous but takes milliseconds, far below the 5 s cache TTL.
    let limit = 0;
    for (let i = 0; i < 20 && limit !== TEAM_PER_DAY; i++) {
      limit = limitHeaders(await loginOnSecond()).limit;
      if (limit !== TEAM_PER_DAY) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(limit).toBe(TEAM_PER_DAY);
  });
});
