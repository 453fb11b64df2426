import { ActionRegistry, type ActionContext } from '../actions';
import { splitSentences, summarize, summarizeAction } from './summarize';

const ctx: ActionContext = { tenantSlug: 'acme', agentId: 'a', executionId: 'e', simulate: false };

describe('splitSentences', () => {
  it('splits at sentence ends followed by whitespace', () => {
    expect(splitSentences('One. Two! Three? Four')).toEqual(['One.', 'Two!', 'Three?', 'Four']);
  });

  it('normalises whitespace, newlines and tabs included', () => {
    expect(splitSentences('  First   line\nstill first.\n\n\tSecond.  ')).toEqual(['First line still first.', 'Second.']);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('He said "stop." Then left. (Really.) Done…  End')).toEqual(['He said "stop."', 'Then left.', '(Really.)', 'Done…', 'End']);
  });

  it('does not split inside numbers or names without a following space', () => {
    expect(splitSentences('Version 2.5 shipped on example.com today. Next.')).toEqual(['Version 2.5 shipped on example.com today.', 'Next.']);
  });

  it('gives nothing for blank text', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n\t ')).toEqual([]);
  });
});

describe('summarize', () => {
  const text = 'Alpha is first. Beta is second. Gamma is third. Delta is fourth.';

  it('keeps the first three sentences by default', () => {
    expect(summarize(text)).toEqual({ summary: 'Alpha is first. Beta is second. Gamma is third.', sentences: 3, total_sentences: 4, truncated: true });
  });

  it('honours max_sentences', () => {
    expect(summarize(text, 1).summary).toBe('Alpha is first.');
    expect(summarize(text, 10)).toEqual({ summary: text, sentences: 4, total_sentences: 4, truncated: false });
  });

  it('is deterministic', () => {
    expect(summarize(text, 2)).toEqual(summarize(text, 2));
  });
});

describe('summarize action', () => {
  const registry = new ActionRegistry([summarizeAction]);

  it('is read-only', () => {
    expect(registry.complexity('summarize', {})).toBe(1);
  });

  it('runs through the registry', async () => {
    await expect(registry.run('summarize', { text: 'One. Two.', max_sentences: 1 }, ctx)).resolves.toEqual({
      summary: 'One.',
      sentences: 1,
      total_sentences: 2,
      truncated: true,
    });
  });

  it.each([
    [{}, 'text: is required'],
    [{ text: '' }, 'text: must have at least 1 characters'],
    [{ text: 'x', max_sentences: 0 }, 'max_sentences: must be at least 1'],
    [{ text: 'x', max_sentences: 2.5 }, 'max_sentences: must be an integer, got number'],
    [{ text: 42 }, 'text: must be a string, got integer'],
  ])('refuses %p with a clear error', async (args, problem) => {
    await expect(registry.run('summarize', args, ctx)).rejects.toThrow(`Invalid arguments for summarize: ${problem}`);
  });
});
