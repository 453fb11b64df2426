import type { TenantRecord } from '../tenancy/tenant.entity';
import { rateLimitHeaders, tenantWindows } from './windows';

type Tenant = Pick<TenantRecord, 'id' | 'plan' | 'maxAgents' | 'requestsPerMinute'>;
const tenant = (plan: Tenant['plan'], requestsPerMinute: number | null = null): Tenant => ({
  id: 't1', plan, maxAgents: null, requestsPerMinute,
});

const LATE = Date.UTC(2026, 10, 28, 23, 59, 30); // 30 s before midnight UTC
const NOON = Date.UTC(2026, 10, 28, 12, 0, 30);

describe('tenantWindows', () => {
  it('gives the free plan a daily window then a minute window', () => {
    const windows = tenantWindows(tenant('free'), NOON);
    expect(windows.map((w) => [w.kind, w.limit])).toEqual([['day', 50], ['minute', 60]]);
  });

  it('gives the enterprise plan only a minute window', () => {
    const windows = tenantWindows(tenant('enterprise'), NOON);
    expect(windows.map((w) => [w.kind, w.limit])).toEqual([['minute', 1000]]);
  });

  it('uses a tenant override for the minute limit', () => {
    expect(tenantWindows(tenant('solo', 7), NOON)[1].limit).toBe(7);
  });

  it('ends the daily window exactly at the next 00:00 UTC', () => {
    const [day, minute] = tenantWindows(tenant('free'), LATE);
    expect(day.resetAt).toBe(Date.UTC(2026, 10, 29));
    expect(minute.resetAt).toBe(Date.UTC(2026, 10, 29));
    expect(tenantWindows(tenant('free'), NOON)[0].resetAt).toBe(Date.UTC(2026, 10, 29));
  });

  it('ends the minute window at the next clock minute', () => {
    expect(tenantWindows(tenant('free'), NOON)[1].resetAt).toBe(Date.UTC(2026, 10, 28, 12, 1));
  });

  it('starts new keys at midnight and keeps them within a day or minute', () => {
    const before = tenantWindows(tenant('free'), LATE);
    const sameMinute = tenantWindows(tenant('free'), LATE + 29_000);
    const after = tenantWindows(tenant('free'), Date.UTC(2026, 10, 29));
    expect(sameMinute.map((w) => w.key)).toEqual(before.map((w) => w.key));
    expect(after[0].key).not.toBe(before[0].key);
    expect(after[1].key).not.toBe(before[1].key);
  });

  it('keys windows by tenant', () => {
    const other = tenantWindows({ ...tenant('free'), id: 't2' }, NOON);
    const own = tenantWindows(tenant('free'), NOON);
    expect(other[0].key).not.toBe(own[0].key);
    expect(other[1].key).not.toBe(own[1].key);
  });
});

describe('rateLimitHeaders', () => {
  const windows = tenantWindows(tenant('free'), NOON);

  it('describes the daily window when allowed, with Reset as a Unix time in seconds', () => {
    expect(rateLimitHeaders(windows, [12, 3], -1, NOON)).toEqual({
      'X-RateLimit-Limit': '50',
      'X-RateLimit-Remaining': '38',
      'X-RateLimit-Reset': String(Date.UTC(2026, 10, 29) / 1000),
    });
  });

  it('describes the minute window when it is the only one', () => {
    const only = tenantWindows(tenant('enterprise'), NOON);
    expect(rateLimitHeaders(only, [10], -1, NOON)).toMatchObject({
      'X-RateLimit-Limit': '1000',
      'X-RateLimit-Remaining': '990',
      'X-RateLimit-Reset': String(Date.UTC(2026, 10, 28, 12, 1) / 1000),
    });
  });

  it('on a daily refusal: Remaining 0 and Retry-After until midnight UTC', () => {
    const headers = rateLimitHeaders(windows, [50, 3], 0, NOON);
    expect(headers['X-RateLimit-Limit']).toBe('50');
    expect(headers['X-RateLimit-Remaining']).toBe('0');
    expect(headers['X-RateLimit-Reset']).toBe(String(Date.UTC(2026, 10, 29) / 1000));
    expect(headers['Retry-After']).toBe(String(12 * 3600 - 30));
  });

  it('on a minute refusal: describes the minute window, Retry-After until the next minute', () => {
    const headers = rateLimitHeaders(windows, [10, 60], 1, NOON);
    expect(headers).toEqual({
      'X-RateLimit-Limit': '60',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Date.UTC(2026, 10, 28, 12, 1) / 1000),
      'Retry-After': '30',
    });
  });

  it('a quota spent just before midnight is back at 00:00 UTC, not 24 hours later', () => {
    const late = tenantWindows(tenant('free'), LATE);
    const headers = rateLimitHeaders(late, [50, 3], 0, LATE);
    expect(headers['X-RateLimit-Reset']).toBe(String(Date.UTC(2026, 10, 29) / 1000));
    expect(headers['Retry-After']).toBe('30');
  });

  it('uses the override as the Limit of the minute window when it is the only one', () => {
    const only = tenantWindows(tenant('enterprise', 5), NOON);
    expect(rateLimitHeaders(only, [2], -1, NOON)).toMatchObject({ 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '3' });
  });

  it('gives Retry-After of at least one second', () => {
    const end = windows[1].resetAt;
    expect(rateLimitHeaders(windows, [10, 60], 1, end - 1)['Retry-After']).toBe('1');
  });

  it('never reports a negative Remaining', () => {
    expect(rateLimitHeaders(windows, [70, 1], -1, NOON)['X-RateLimit-Remaining']).toBe('0');
  });
});
