import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { LlmError } from './llm.types';
import { approximateTokens, CallDeadline, isRetryableStatus, redactSecrets, toLlmError } from './provider-call';

const classes = { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError };
const KEY = 'sk-live-0123456789abcdef';

function mapped(error: unknown, deadline = new CallDeadline(1000)): LlmError {
  try {
    return toLlmError('openai', error, classes, deadline, KEY);
  } finally {
    deadline.dispose();
  }
}

describe('redactSecrets', () => {
  it('removes the configured key, vendor-looking keys and bearer tokens', () => {
    const out = redactSecrets(`bad key ${KEY}; other sk-proj-ABCDEFGH12345 and sk-ant-api03-xyz_123456; header Bearer abc.def`, KEY);
    expect(out).not.toContain(KEY);
    expect(out).not.toMatch(/ABCDEFGH|xyz_123456|abc\.def/);
    expect(out).toContain('[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('task: ask the desk about skiing', KEY)).toBe('task: ask the desk about skiing');
  });
});

describe('isRetryableStatus', () => {
  it.each([[408, true], [429, true], [500, true], [503, true], [529, true], [400, false], [401, false], [403, false], [404, false], [422, false]])('%i -> %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('toLlmError', () => {
  it('keeps an LlmError as it is', () => {
    const original = new LlmError('x', true, 1);
    expect(mapped(original)).toBe(original);
  });

  it('maps HTTP errors with status and retryability, without the key', () => {
    const server = mapped(new InternalServerError(500, { message: 'boom' }, undefined, new Headers()));
    expect(server).toMatchObject({ retryable: true, status: 500 });
    expect(server.message).toMatch(/^openai: HTTP 500: /);
    const limited = mapped(new RateLimitError(429, { message: 'slow down' }, undefined, new Headers()));
    expect(limited).toMatchObject({ retryable: true, status: 429 });
    const bad = mapped(new BadRequestError(400, { message: `Incorrect API key provided: ${KEY}` }, undefined, new Headers()));
    expect(bad).toMatchObject({ retryable: false, status: 400 });
    expect(bad.message).not.toContain(KEY);
    expect(bad).toBeInstanceOf(LlmError);
  });

  it('maps timeouts and connection failures as retryable, a user abort as not', () => {
    expect(mapped(new APIConnectionTimeoutError())).toMatchObject({ retryable: true, message: expect.stringContaining('1000 ms') });
    const connection = mapped(new APIConnectionError({ cause: new Error(`connect ECONNREFUSED with ${KEY}`) }));
    expect(connection.retryable).toBe(true);
    expect(connection.message).toContain('ECONNREFUSED');
    expect(connection.message).not.toContain(KEY);
    expect(mapped(new APIUserAbortError())).toMatchObject({ retryable: false });
  });

  it('maps anything else as not retryable, redacted', () => {
    const error = mapped(new TypeError(`cannot read ${KEY}`));
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).not.toContain(KEY);
    expect(mapped('a string').message).toBe('openai: a string');
  });

  it('reports why the call was aborted, whatever the SDK threw', async () => {
    const timed = new CallDeadline(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(timed.timedOut).toBe(true);
    expect(mapped(new Error('AbortError'), timed)).toMatchObject({ retryable: true, message: 'openai: no answer within 10 ms (LLM_TIMEOUT_MS)' });

    const caller = new AbortController();
    const cancelled = new CallDeadline(1000, caller.signal);
    caller.abort();
    expect(cancelled.abortedByCaller).toBe(true);
    expect(mapped(new Error('AbortError'), cancelled)).toMatchObject({ retryable: false, message: expect.stringContaining('cancelled') });
  });
});

describe('CallDeadline', () => {
  it('restarts its clock on touch()', async () => {
    const deadline = new CallDeadline(40);
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      deadline.touch();
    }
    expect(deadline.signal.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(deadline.signal.aborted).toBe(true);
    expect(() => deadline.throwIfAborted('x')).toThrow(LlmError);
    deadline.dispose();
  });

  it('starts aborted when the caller signal already is', () => {
    const controller = new AbortController();
    controller.abort();
    const deadline = new CallDeadline(1000, controller.signal);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.abortedByCaller).toBe(true);
    deadline.dispose();
  });
});

describe('approximateTokens', () => {
  it('is about four characters a token, rounded up', () => {
    expect([approximateTokens(''), approximateTokens('abc'), approximateTokens('abcd'), approximateTokens('abcde')]).toEqual([0, 1, 1, 2]);
  });
});
