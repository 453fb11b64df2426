import { grade } from './grading';
import { PatternSandbox } from './pattern-sandbox';

describe('grade', () => {
  const sandbox = new PatternSandbox();
  const patterns = sandbox.matcherFor('tenant_test');
  afterAll(() => sandbox.onModuleDestroy());

  it('contains: case-insensitive substring', async () => {
    expect(await grade({ type: 'contains', value: 'Refund' }, 'You can get a REFUND within 30 days', patterns)).toMatchObject({ passed: true });
    expect(await grade({ type: 'contains', value: 'refund' }, 'No money back', patterns)).toMatchObject({ passed: false, reason: expect.stringContaining('does not contain') });
  });

  it('not_contains: passes only when the value is absent (ignoring case)', async () => {
    expect(await grade({ type: 'not_contains', value: 'password' }, 'I cannot share that', patterns)).toMatchObject({ passed: true });
    expect(await grade({ type: 'not_contains', value: 'password' }, 'The PASSWORD is hunter2', patterns)).toMatchObject({
      passed: false,
      reason: expect.stringContaining('must not'),
    });
  });

  it('equals: exact apart from surrounding whitespace; case counts', async () => {
    expect(await grade({ type: 'equals', value: '42' }, '  42\n', patterns)).toMatchObject({ passed: true });
    expect(await grade({ type: 'equals', value: 'Yes' }, 'yes', patterns)).toMatchObject({ passed: false });
    expect(await grade({ type: 'equals', value: '42' }, 'The answer is 42', patterns)).toMatchObject({ passed: false });
  });

  it('regex: matches anywhere unless anchored; inline flags', async () => {
    expect(await grade({ type: 'regex', value: '\\b\\d{3}-\\d{4}\\b' }, 'call 555-1234 now', patterns)).toMatchObject({ passed: true });
    expect(await grade({ type: 'regex', value: '^\\d+$' }, 'call 555', patterns)).toMatchObject({ passed: false, reason: expect.stringContaining('does not match') });
    expect(await grade({ type: 'regex', value: '(?i)^hello' }, 'HELLO there', patterns)).toMatchObject({ passed: true });
  });

  it('no answer never passes, whatever the type', async () => {
    for (const type of ['contains', 'not_contains', 'regex', 'equals'] as const) {
      expect(await grade({ type, value: 'x' }, null, patterns)).toEqual({ passed: false, reason: 'the agent gave no answer' });
    }
  });

  it('catastrophic-backtracking patterns are decided by the linear-time engine', async () => {
    expect(await grade({ type: 'regex', value: '^(a+)+$' }, `${'a'.repeat(50_000)}!`, patterns)).toMatchObject({ passed: false, reason: expect.stringContaining('does not match') });
    expect(await grade({ type: 'regex', value: '(x+x+)+y' }, 'x'.repeat(50_000), patterns)).toMatchObject({ passed: false, reason: expect.stringContaining('does not match') });
  });

  it('a pattern that cannot be decided in time fails the case, saying why', async () => {
    const grader = { match: async () => ({ failed: 'matching the expected pattern took more than 2000 ms on this answer' }) };
    expect(await grade({ type: 'regex', value: '.{1000}[0-9]' }, 'y'.repeat(100), grader)).toEqual({
      passed: false,
      reason: 'matching the expected pattern took more than 2000 ms on this answer',
    });
  });

  it('an answer longer than the graded cap is graded on its beginning', async () => {
    expect(await grade({ type: 'contains', value: 'tail' }, `${'a'.repeat(200_000)}tail`, patterns)).toMatchObject({ passed: false });
    const seen: string[] = [];
    await grade({ type: 'regex', value: 'tail' }, `${'a'.repeat(200_000)}tail`, { match: async (_p, text) => (seen.push(text), { matched: false }) });
    expect(seen[0]).toHaveLength(100_000);
  });
});
