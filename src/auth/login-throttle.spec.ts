import { AppError } from '../common/http/error-codes';
import { MemoryCounterStore } from '../rate-limit/counter-store';
import { LoginThrottle, lockoutMs } from './login-throttle';

describe('lockoutMs', () => {
  it.each([
    [0, 0],
    [4, 0],
    [5, 1000],
    [6, 2000],
    [7, 4000],
    [14, 512_000],
    [15, 900_000],
    [16, 900_000],
    [10_000, 900_000],
  ])('%i failures lock for %i ms', (failures, ms) => {
    expect(lockoutMs(failures)).toBe(ms);
  });
});

describe('LoginThrottle', () => {
  const TENANT = 'tenant-1';
  let throttle: LoginThrottle;

  beforeEach(() => {
    throttle = new LoginThrottle(new MemoryCounterStore());
  });

  /** `times` sequential attempts that each turn out to be a wrong password. */
  async function fail(times: number, email = 'ann@example.com', tenant = TENANT) {
    for (let i = 0; i < times; i++) {
      const attempt = await throttle.begin(tenant, email);
      await throttle.recordFailure(tenant, email, attempt);
    }
  }

  async function refusal(email = 'ann@example.com', tenant = TENANT): Promise<AppError> {
    const error = await throttle.begin(tenant, email).then(() => undefined, (e: unknown) => e);
    if (error instanceof AppError) return error;
    throw new Error(`expected an AppError, got ${String(error)}`);
  }

  it('allows an account with four failures', async () => {
    await fail(4);
    await expect(throttle.begin(TENANT, 'ann@example.com')).resolves.toBe(5);
  });

  it('locks an account after five failures with RATE_LIMIT_EXCEEDED and Retry-After', async () => {
    await fail(5);
    const error = await refusal();
    expect(error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(error.status).toBe(429);
    expect(error.headers['Retry-After']).toBe('1');
    expect(error.details).toEqual({ retry_after: 1 });
  });

  it('lengthens the lock with each further failure', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await fail(5);
      clock.mockReturnValue(now + 1000);
      await fail(1);
      expect((await refusal()).headers['Retry-After']).toBe('2');
      clock.mockReturnValue(now + 3000);
      await fail(1);
      expect((await refusal()).headers['Retry-After']).toBe('4');
    } finally {
      clock.mockRestore();
    }
  });

  it('lets one of a burst of parallel guesses through past the free attempts, not all of them', async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => throttle.begin(TENANT, 'ann@example.com')));
    const admitted = outcomes.filter((o) => o.status === 'fulfilled');
    expect(admitted).toHaveLength(6);
    for (const refused of outcomes.filter((o) => o.status === 'rejected')) {
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED' });
    }
  });

  it('treats the email case-insensitively', async () => {
    await fail(3, 'Ann@Example.com');
    await fail(2, 'ANN@EXAMPLE.COM');
    expect((await refusal('ann@example.com')).code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('keeps accounts apart, by email and by tenant', async () => {
    await fail(5);
    await expect(throttle.begin(TENANT, 'bob@example.com')).resolves.toBe(1);
    await expect(throttle.begin('tenant-2', 'ann@example.com')).resolves.toBe(1);
  });

  it('forgets earlier failures after a success', async () => {
    await fail(4);
    await throttle.begin(TENANT, 'ann@example.com');
    await throttle.recordSuccess(TENANT, 'ANN@example.com');
    await fail(4);
    await expect(throttle.begin(TENANT, 'ann@example.com')).resolves.toBe(5);
  });

  /** One wrong guess if the throttle lets it through (0), else the seconds it says to wait. */
  async function guess(): Promise<number> {
    try {
      await fail(1);
      return 0;
    } catch (error) {
      if (error instanceof AppError) return Number(error.headers['Retry-After']);
      throw error;
    }
  }

  it('a guesser who waits out every lock gets about one guess per 15 minutes, not a fresh start every 15 minutes', async () => {
    const start = Date.now();
    let now = start;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      let guesses = 0;
      let longestWaitS = 0;
      while (now < start + 24 * 3600_000) {
        const waitS = await guess();
        if (waitS === 0) guesses++;
        longestWaitS = Math.max(longestWaitS, waitS);
        now += waitS * 1000;
      }
      // 5 free, then after 1 s, 2 s, … 512 s, then one per 15 min: 96 a day, plus the ramp.
      expect(guesses).toBeLessThanOrEqual(5 + 10 + 96);
      expect(longestWaitS).toBe(900);
    } finally {
      clock.mockRestore();
    }
  });

  it('forgets failures an hour after the last attempt', async () => {
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      for (let failures = 0; failures < 7; ) {
        const waitS = await guess();
        if (waitS === 0) failures++;
        now += waitS * 1000;
      }
      now += 59 * 60_000;
      await expect(throttle.begin(TENANT, 'ann@example.com')).resolves.toBe(8);
      now += 60 * 60_000 + 1;
      await expect(throttle.begin(TENANT, 'ann@example.com')).resolves.toBe(1);
    } finally {
      clock.mockRestore();
    }
  });

  it('lets the account in again once the lock has passed', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await fail(5);
      expect((await refusal()).headers['Retry-After']).toBe('1');
      clock.mockReturnValue(now + 1000);
      await expect(throttle.begin(TENANT, 'ann@example.com')).resolves.toBe(6);
    } finally {
      clock.mockRestore();
    }
  });
});
