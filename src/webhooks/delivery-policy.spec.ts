import { decideAfterAttempt, retryAfterSeconds, withJitter } from './delivery-policy';

const schedule = [5, 30, 120];
const noJitter = () => 0.5;

describe('decideAfterAttempt', () => {
  it('treats every 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      expect(decideAfterAttempt({ result: { kind: 'response', status }, attempt: 1, scheduleSeconds: schedule })).toEqual({ outcome: 'delivered' });
    }
  });

  it('retries a 3xx (redirects are not followed), a 5xx and a network error on the schedule', () => {
    expect(decideAfterAttempt({ result: { kind: 'response', status: 302 }, attempt: 1, scheduleSeconds: schedule, random: noJitter }))
      .toEqual({ outcome: 'retry', delaySeconds: 5, error: 'HTTP 302' });
    expect(decideAfterAttempt({ result: { kind: 'response', status: 500, bodySnippet: 'boom' }, attempt: 2, scheduleSeconds: schedule, random: noJitter }))
      .toEqual({ outcome: 'retry', delaySeconds: 30, error: 'HTTP 500: boom' });
    expect(decideAfterAttempt({ result: { kind: 'error', message: 'timeout after 15000 ms' }, attempt: 3, scheduleSeconds: schedule, random: noJitter }))
      .toEqual({ outcome: 'retry', delaySeconds: 120, error: 'timeout after 15000 ms' });
  });

  it('fails the delivery after the last scheduled retry', () => {
    expect(decideAfterAttempt({ result: { kind: 'response', status: 500 }, attempt: 4, scheduleSeconds: schedule }))
      .toEqual({ outcome: 'failed', error: 'HTTP 500' });
    expect(decideAfterAttempt({ result: { kind: 'response', status: 500 }, attempt: 1, scheduleSeconds: [] }))
      .toEqual({ outcome: 'failed', error: 'HTTP 500' });
  });

  it('ends at once on 410 Gone and disables the subscription', () => {
    expect(decideAfterAttempt({ result: { kind: 'response', status: 410 }, attempt: 1, scheduleSeconds: schedule }))
      .toEqual({ outcome: 'failed', error: 'HTTP 410', disableSubscription: 'the receiver answered 410 Gone' });
  });

  it('honours Retry-After on 429, capped at 6 hours, and falls back to the schedule without it', () => {
    const base = { attempt: 1, scheduleSeconds: schedule, random: noJitter };
    expect(decideAfterAttempt({ ...base, result: { kind: 'response', status: 429, retryAfter: '42' } })).toMatchObject({ delaySeconds: 42 });
    expect(decideAfterAttempt({ ...base, result: { kind: 'response', status: 429, retryAfter: '999999' } })).toMatchObject({ delaySeconds: 21600 });
    expect(decideAfterAttempt({ ...base, result: { kind: 'response', status: 429 } })).toMatchObject({ delaySeconds: 5 });
    expect(decideAfterAttempt({ ...base, attempt: 4, result: { kind: 'response', status: 429, retryAfter: '1' } })).toMatchObject({ outcome: 'failed' });
  });
});

describe('withJitter', () => {
  it('stays within +-20% of the scheduled delay', () => {
    expect(withJitter(100, () => 0)).toBe(80);
    expect(withJitter(100, () => 0.999999)).toBeCloseTo(120, 3);
    expect(withJitter(0, () => 0.7)).toBe(0);
  });
});

describe('retryAfterSeconds', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(undefined, now)).toBeNull();
  });
});
