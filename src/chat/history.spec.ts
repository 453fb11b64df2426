import { boundedHistory } from './history';

describe('boundedHistory', () => {
  const m = (role: 'user' | 'assistant', chars: number, tag: string) => ({ role, content: tag + 'x'.repeat(chars - tag.length) });

  it('keeps the newest messages within the budget, oldest dropped first, in conversation order', () => {
    // newest first: each costs 25 + 4 = 29 tokens
    const newestFirst = [m('assistant', 100, 'a3'), m('user', 100, 'u3'), m('assistant', 100, 'a2'), m('user', 100, 'u2')];
    const kept = boundedHistory(newestFirst, 60);
    expect(kept.map((x) => x.content.slice(0, 2))).toEqual(['u3', 'a3']);
    expect(kept.map((x) => x.role)).toEqual(['user', 'assistant']);
  });

  it('keeps everything when it fits and nothing with a zero budget', () => {
    const newestFirst = [m('assistant', 8, 'a1'), m('user', 8, 'u1')];
    expect(boundedHistory(newestFirst, 1000).map((x) => x.content.slice(0, 2))).toEqual(['u1', 'a1']);
    expect(boundedHistory(newestFirst, 0)).toEqual([]);
  });

  it('leaves no hole: a big message stops the walk even if older small ones would fit', () => {
    const newestFirst = [m('assistant', 8, 'a2'), m('user', 4000, 'u2'), m('assistant', 8, 'a1')];
    expect(boundedHistory(newestFirst, 100).map((x) => x.content.slice(0, 2))).toEqual(['a2']);
  });
});
