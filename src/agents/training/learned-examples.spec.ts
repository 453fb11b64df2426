import { buildMessages } from '../execution/execution.service';
import { learnedExamplesBlock, PROMPT_EXAMPLES_BUDGET, PROMPT_MAX_EXAMPLES } from './learned-examples';

describe('learnedExamplesBlock', () => {
  it('is empty without examples', () => {
    expect(learnedExamplesBlock([])).toEqual([]);
  });

  it('numbers the examples best first under a heading', () => {
    expect(learnedExamplesBlock([{ input: 'Greet Ada', output: 'Hello Ada!' }, { input: 'Greet Bob', output: 'Hi Bob.' }])).toEqual([
      expect.stringMatching(/^Learned examples/),
      '1. Task: Greet Ada\n   Answer: Hello Ada!',
      '2. Task: Greet Bob\n   Answer: Hi Bob.',
    ]);
  });

  it('sends at most PROMPT_MAX_EXAMPLES examples, clips long fields and stays within the character budget', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ input: `task ${i}`, output: `answer ${i}` }));
    expect(learnedExamplesBlock(many)).toHaveLength(PROMPT_MAX_EXAMPLES + 1);
    const huge = Array.from({ length: 8 }, (_, i) => ({ input: `task ${i} ${'x'.repeat(5000)}`, output: 'y'.repeat(5000) }));
    const block = learnedExamplesBlock(huge);
    expect(block.length).toBeGreaterThan(1);
    expect(block.slice(1).join('').length).toBeLessThanOrEqual(PROMPT_EXAMPLES_BUDGET);
    expect(block[1]).toContain('…');
  });
});

describe('buildMessages with learned examples', () => {
  it('puts them in the system message, before the recalled episodes; the task stays the user message', () => {
    const messages = buildMessages(
      { name: 'Ada', role: 'support', systemPrompt: null },
      'Greet Carol',
      {},
      [{ task: 'Greet Dan', output: 'Hey Dan', outcome: 'success' }],
      [{ input: 'Greet Ada', output: 'Hello Ada!' }],
    );
    expect(messages).toHaveLength(2);
    const system = messages[0].content;
    expect(system.indexOf('Learned examples')).toBeGreaterThan(system.indexOf('You are Ada, support.'));
    expect(system.indexOf('Answer: Hello Ada!')).toBeLessThan(system.indexOf('Relevant earlier episodes'));
    expect(messages[1]).toEqual({ role: 'user', content: 'Greet Carol' });
  });
});
