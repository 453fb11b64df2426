import { MAX_PATTERN_PROGRAM, PatternSandbox } from './pattern-sandbox';

const TENANT = 'tenant_a';

describe('PatternSandbox', () => {
  let sandbox: PatternSandbox;
  afterEach(() => sandbox.onModuleDestroy());

  describe('check (when an edge case is written)', () => {
    beforeEach(() => (sandbox = new PatternSandbox()));

    it('accepts RE2 patterns', async () => {
      expect(await sandbox.check('^refund(s)? within \\d+ days$', TENANT)).toBeNull();
      expect(await sandbox.check('(?i)(refund|return|money back).{0,200}(policy|days)', TENANT)).toBeNull();
    });

    it('names invalid patterns and RE2-unsupported constructs', async () => {
      expect(await sandbox.check('(unclosed', TENANT)).toMatch(/^invalid regular expression \(RE2 syntax\): .*missing closing \)/);
      expect(await sandbox.check('(?=lookahead)', TENANT)).toMatch(/^invalid regular expression/);
      expect(await sandbox.check('(a)\\1', TENANT)).toMatch(/^invalid regular expression/);
    });

    it(`refuses a pattern that compiles to more than ${MAX_PATTERN_PROGRAM} instructions`, async () => {
      // A deadline no busy machine reaches, so that the size decides (a loaded CI machine took over 0.5 s).
      sandbox = new PatternSandbox({ compileMs: 30_000 });
      // 994 characters, 142,002 instructions: ~0.25 s to compile, ~90 s to scan a 100,000-character answer.
      expect(await sandbox.check('.{1000}'.repeat(142), TENANT)).toMatch(/too complex: it compiles to 142002 instructions \(at most 5000\)/);
      expect(await sandbox.check('.{1000}'.repeat(4), TENANT)).toBeNull();
    });

    it('refuses a pattern whose compilation overruns the deadline, and keeps working afterwards', async () => {
      sandbox = new PatternSandbox({ compileMs: 20 });
      expect(await sandbox.check('.{0,1000}'.repeat(111), TENANT)).toBe('the pattern is too complex: compiling it took more than 20 ms');
      expect(await sandbox.check('refund', TENANT)).toBeNull();
    });

    it('works off the main thread: the event loop keeps turning during a costly compilation', async () => {
      let turns = 0;
      const ticker = setInterval(() => turns++, 1);
      try {
        await sandbox.check('.{0,1000}'.repeat(111), TENANT);
      } finally {
        clearInterval(ticker);
      }
      expect(turns).toBeGreaterThan(5);
    });
  });

  describe('match (grading an answer)', () => {
    it('says whether the pattern matches somewhere', async () => {
      sandbox = new PatternSandbox();
      expect(await sandbox.match('\\d{3}-\\d{4}', 'call 555-1234', TENANT)).toEqual({ matched: true });
      expect(await sandbox.match('^\\d+$', 'call 555', TENANT)).toEqual({ matched: false });
    });

    it('gives up on a match that overruns its deadline; the next job gets a fresh worker', async () => {
      sandbox = new PatternSandbox({ matchMs: 50 });
      // ~1.8 s on this machine: every one of the 1,003 states stays alive over the whole answer.
      expect(await sandbox.match('.{1000}[0-9]', 'y'.repeat(100_000), TENANT)).toEqual({ failed: 'matching the expected pattern took more than 50 ms on this answer' });
      expect(await sandbox.match('y{3}', 'yyy', TENANT)).toEqual({ matched: true });
    });

    it("serves owners in turn: one tenant's queue of jobs delays another's by at most the job running", async () => {
      sandbox = new PatternSandbox();
      const finished: string[] = [];
      const job = (owner: string, name: string) => sandbox.match('a', 'abc', owner).then(() => finished.push(name));
      // Tenant a queues five jobs, then b two and c one: a1 runs at once, then one job per owner a round.
      await Promise.all([...['a1', 'a2', 'a3', 'a4', 'a5'].map((name) => job('tenant_a', name)), job('tenant_b', 'b1'), job('tenant_c', 'c1'), job('tenant_b', 'b2')]);
      expect(finished).toEqual(['a1', 'b1', 'a2', 'c1', 'b2', 'a3', 'a4', 'a5']);
    });

    it('answers one owner\'s queued jobs in order, one at a time', async () => {
      sandbox = new PatternSandbox();
      const answers = await Promise.all(['a', 'b', 'c', '(', 'e'].map((pattern) => sandbox.match(pattern, 'abc', TENANT)));
      expect(answers).toEqual([{ matched: true }, { matched: true }, { matched: true }, { failed: 'the expected pattern is not a valid regular expression' }, { matched: false }]);
    });
  });
});
