import type { TenantRecord } from '../tenancy/tenant.entity';
import { limitsFor } from '../tenancy/plans';
import type { CounterWindow } from './counter-store';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface TenantWindow extends CounterWindow {
  kind: 'day' | 'minute';
}

/**
 * The fixed windows a tenant's request counts in at `now`: the UTC calendar day (when the plan has a
 * daily quota) and the current clock minute. Both end at their boundary, so a quota spent at 23:59
 * is back at 00:00 UTC, not 24 hours after the block began.
 */
export function tenantWindows(tenant: Pick<TenantRecord, 'id' | 'plan' | 'maxAgents' | 'requestsPerMinute'>, now: number): TenantWindow[] {
  const limits = limitsFor(tenant);
  const windows: TenantWindow[] = [];
  if (limits.requestsPerDay !== null) {
    const day = Math.floor(now / DAY);
    windows.push({ kind: 'day', key: `rl:${tenant.id}:d:${day}`, limit: limits.requestsPerDay, resetAt: (day + 1) * DAY });
  }
  const minute = Math.floor(now / MINUTE);
  windows.push({ kind: 'minute', key: `rl:${tenant.id}:m:${minute}`, limit: limits.requestsPerMinute, resetAt: (minute + 1) * MINUTE });
  return windows;
}

export interface RateLimitHeaders {
  'X-RateLimit-Limit': string;
  'X-RateLimit-Remaining': string;
  'X-RateLimit-Reset': string;
  'Retry-After'?: string;
}

/**
 * Headers for the daily window when there is one (the reference's example is the daily quota),
 * else for the minute. On a refusal they describe the window that refused, with Retry-After.
 */
export function rateLimitHeaders(windows: TenantWindow[], counts: number[], refusedBy: number, now: number): RateLimitHeaders {
  const index = refusedBy >= 0 ? refusedBy : 0;
  const window = windows[index];
  const headers: RateLimitHeaders = {
    'X-RateLimit-Limit': String(window.limit),
    'X-RateLimit-Remaining': String(refusedBy >= 0 ? 0 : Math.max(0, window.limit - counts[index])),
    'X-RateLimit-Reset': String(Math.ceil(window.resetAt / 1000)),
  };
  if (refusedBy >= 0) headers['Retry-After'] = String(Math.max(1, Math.ceil((window.resetAt - now) / 1000)));
  return headers;
}
