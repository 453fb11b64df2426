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

  async function fail(times: number, email = 'ann@example.com', tenant = TENANT) {
    for (let i = 0; i < times; i++) await throttle.recordFailure(tenant, email);
  }

  async function refusal(email = 'ann@example.com', tenant = TENANT): Promise<AppError> {
    const error = await throttle.assertAllowed(tenant, email).then(() => undefined, (e: unknown) => e);
    if (error instanceof AppError) return error;
    throw new Error(`expected an AppError, got ${String(error)}`);
  }

  it('allows an account with four failures', async () => {
    await fail(4);
    await expect(throttle.assertAllowed(TENANT, 'ann@example.com')).resolves.toBeUndefined();
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
    await fail(7);
    expect((await refusal()).headers['Retry-After']).toBe('4');
  });

  it('treats the email case-insensitively', async () => {
    await fail(3, 'Ann@Example.com');
    await fail(2, 'ANN@EXAMPLE.COM');
    expect((await refusal('ann@example.com')).code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('keeps accounts apart, by email and by tenant', async () => {
    await fail(5);
    await expect(throttle.assertAllowed(TENANT, 'bob@example.com')).resolves.toBeUndefined();
    await expect(throttle.assertAllowed('tenant-2', 'ann@example.com')).resolves.toBeUndefined();
  });

  it('forgets earlier failures after a success', async () => {
    await fail(4);
    await throttle.recordSuccess(TENANT, 'ANN@example.com');
    await fail(4);
    await expect(throttle.assertAllowed(TENANT, 'ann@example.com')).resolves.toBeUndefined();
  });

  it('lets the account in again once the lock has passed', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await fail(5);
      expect((await refusal()).headers['Retry-After']).toBe('1');
      clock.mockReturnValue(now + 1000);
      await expect(throttle.assertAllowed(TENANT, 'ann@example.com')).resolves.toBeUndefined();
    } finally {
      clock.mockRestore();
    }
  });
});
