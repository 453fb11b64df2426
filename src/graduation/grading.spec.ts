import { grade, MAX_EXPECTED_LENGTH, patternError } from './grading';

describe('grade', () => {
  it('contains: case-insensitive substring', () => {
    expect(grade({ type: 'contains', value: 'Refund' }, 'You can get a REFUND within 30 days')).toMatchObject({ passed: true });
    expect(grade({ type: 'contains', value: 'refund' }, 'No money back')).toMatchObject({ passed: false, reason: expect.stringContaining('does not contain') });
  });

  it('not_contains: passes only when the value is absent (ignoring case)', () => {
    expect(grade({ type: 'not_contains', value: 'password' }, 'I cannot share that')).toMatchObject({ passed: true });
    expect(grade({ type: 'not_contains', value: 'password' }, 'The PASSWORD is hunter2')).toMatchObject({ passed: false, reason: expect.stringContaining('must not') });
  });

  it('equals: exact apart from surrounding whitespace; case counts', () => {
    expect(grade({ type: 'equals', value: '42' }, '  42\n')).toMatchObject({ passed: true });
    expect(grade({ type: 'equals', value: 'Yes' }, 'yes')).toMatchObject({ passed: false });
    expect(grade({ type: 'equals', value: '42' }, 'The answer is 42')).toMatchObject({ passed: false });
  });

  it('regex: matches anywhere unless anchored; inline flags', () => {
    expect(grade({ type: 'regex', value: '\\b\\d{3}-\\d{4}\\b' }, 'call 555-1234 now')).toMatchObject({ passed: true });
    expect(grade({ type: 'regex', value: '^\\d+$' }, 'call 555')).toMatchObject({ passed: false });
    expect(grade({ type: 'regex', value: '(?i)^hello' }, 'HELLO there')).toMatchObject({ passed: true });
  });

  it('no answer never passes, whatever the type', () => {
    for (const type of ['contains', 'not_contains', 'regex', 'equals'] as const) {
      expect(grade({ type, value: 'x' }, null)).toEqual({ passed: false, reason: 'the agent gave no answer' });
    }
  });

  it('a catastrophic pattern on a hostile answer finishes at once (linear-time engine)', () => {
    const started = Date.now();
    expect(grade({ type: 'regex', value: '^(a+)+$' }, `${'a'.repeat(50_000)}!`)).toMatchObject({ passed: false });
    expect(grade({ type: 'regex', value: '(x+x+)+y' }, 'x'.repeat(50_000))).toMatchObject({ passed: false });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an answer longer than the graded cap is graded on its beginning', () => {
    expect(grade({ type: 'contains', value: 'tail' }, `${'a'.repeat(200_000)}tail`)).toMatchObject({ passed: false });
  });
});

describe('patternError', () => {
  it('accepts RE2 patterns', () => {
    expect(patternError('^refund(s)? within \\d+ days$')).toBeNull();
  });

  it('names invalid patterns and RE2-unsupported constructs', () => {
    expect(patternError('(unclosed')).toMatch(/invalid regular expression/);
    expect(patternError('(?=lookahead)')).toMatch(/invalid regular expression/);
    expect(patternError('(a)\\1')).toMatch(/invalid regular expression/);
  });

  it('refuses patterns longer than the cap', () => {
    expect(patternError('a'.repeat(MAX_EXPECTED_LENGTH + 1))).toMatch(/longer than/);
  });
});
