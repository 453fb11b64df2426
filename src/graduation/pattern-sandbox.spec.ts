import { MAX_PATTERN_PROGRAM, PatternSandbox } from './pattern-sandbox';

describe('PatternSandbox', () => {
  let sandbox: PatternSandbox;
  afterEach(() => sandbox.onModuleDestroy());

  describe('check (when an edge case is written)', () => {
    beforeEach(() => (sandbox = new PatternSandbox()));

    it('accepts RE2 patterns', async () => {
      expect(await sandbox.check('^refund(s)? within \\d+ days$')).toBeNull();
      expect(await sandbox.check('(?i)(refund|return|money back).{0,200}(policy|days)')).toBeNull();
    });

    it('names invalid patterns and RE2-unsupported constructs', async () => {
      expect(await sandbox.check('(unclosed')).toMatch(/^invalid regular expression \(RE2 syntax\): .*missing closing \)/);
      expect(await sandbox.check('(?=lookahead)')).toMatch(/^invalid regular expression/);
      expect(await sandbox.check('(a)\\1')).toMatch(/^invalid regular expression/);
    });

    it(`refuses a pattern that compiles to more than ${MAX_PATTERN_PROGRAM} instructions`, async () => {
      // A deadline no busy machine reaches, so that the size decides (a loaded CI machine took over 0.5 s).
      sandbox = new PatternSandbox({ compileMs: 30_000 });
      // 994 characters, 142,002 instructions: ~0.25 s to compile, ~90 s to scan a 100,000-character answer.
      expect(await sandbox.check('.{1000}'.repeat(142))).toMatch(/too complex: it compiles to 142002 instructions \(at most 5000\)/);
      expect(await sandbox.check('.{1000}'.repeat(4))).toBeNull();
    });

    it('refuses a pattern whose compilation overruns the deadline, and keeps working afterwards', async () => {
      sandbox = new PatternSandbox({ compileMs: 20 });
      expect(await sandbox.check('.{0,1000}'.repeat(111))).toBe('the pattern is too complex: compiling it took more than 20 ms');
      expect(await sandbox.check('refund')).toBeNull();
    });

    it('works off the main thread: the event loop keeps turning during a costly compilation', async () => {
      let turns = 0;
      const ticker = setInterval(() => turns++, 1);
      try {
        await sandbox.check('.{0,1000}'.repeat(111));
      } finally {
        clearInterval(ticker);
      }
      expect(turns).toBeGreaterThan(5);
    });
  });

  describe('match (grading an answer)', () => {
    it('says whether the pattern matches somewhere', async () => {
      sandbox = new PatternSandbox();
      expect(await sandbox.match('\\d{3}-\\d{4}', 'call 555-1234')).toEqual({ matched: true });
      expect(await sandbox.match('^\\d+$', 'call 555')).toEqual({ matched: false });
    });

    it('gives up on a match that overruns its deadline; the next job gets a fresh worker', async () => {
      sandbox = new PatternSandbox({ matchMs: 50 });
      // ~1.8 s on this machine: every one of the 1,003 states stays alive over the whole answer.
      expect(await sandbox.match('.{1000}[0-9]', 'y'.repeat(100_000))).toEqual({ failed: 'matching the expected pattern took more than 50 ms on this answer' });
      expect(await sandbox.match('y{3}', 'yyy')).toEqual({ matched: true });
    });

    it('answers queued jobs in order, one at a time', async () => {
      sandbox = new PatternSandbox();
      const answers = await Promise.all(['a', 'b', 'c', '(', 'e'].map((pattern) => sandbox.match(pattern, 'abc')));
      expect(answers).toEqual([{ matched: true }, { matched: true }, { matched: true }, { failed: 'the expected pattern is not a valid regular expression' }, { matched: false }]);
    });
  });
});
