import { recallTerms } from './memory.service';

describe('recallTerms', () => {
  it('keeps distinct lowercase words of 3+ characters, without stop words', () => {
    expect(recallTerms('Summarize THE invoice for ACME, the invoice!')).toEqual(['summarize', 'invoice', 'acme']);
  });

  it('keeps letters and digits of any script, and at most 8 terms', () => {
    expect(recallTerms('Größe 2024 café')).toEqual(['größe', '2024', 'café']);
    expect(recallTerms('one two three four five six seven eight nine ten eleven')).toHaveLength(8);
  });

  it('has nothing to match in punctuation or short words', () => {
    expect(recallTerms('a, b; ok?')).toEqual([]);
  });
});
