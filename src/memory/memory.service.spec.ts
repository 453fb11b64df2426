import { completedWindow, recallTerms } from './memory.service';

describe('recallTerms', () => {
  it('keeps distinct lowercase words of 3+ characters, without stop words', () => {
    expect(recallTerms('Summarize THE invoice for ACME, the invoice!')).toEqual(['summarize', 'invoice', 'acme']);
  });

  it('keeps letters and digits of any script, and at most 8 terms', () => {
    expect(recallTerms('Größe 2024 café')).toEqual(['größe', '2024', 'café']);
    expect(recallTerms('one two three four five six seven eight nine ten eleven')).toHaveLength(8);
  });

  it('drops common English words and contraction pieces, which would match almost every episode', () => {
    expect(recallTerms("What would you say about the invoices we didn't pay? Please check them")).toEqual(['say', 'invoices', 'pay', 'check']);
  });

  it('has nothing to match in punctuation or short words', () => {
    expect(recallTerms('a, b; ok?')).toEqual([]);
  });
});

describe('completedWindow', () => {
  it('reads a bare date as the whole UTC day, both ends included', () => {
    expect(completedWindow('2025-02-01', '2025-02-06')).toEqual({
      from: new Date('2025-02-01T00:00:00Z'),
      toExclusive: new Date('2025-02-07T00:00:00Z'),
    });
  });

  it('takes date-times as they are', () => {
    expect(completedWindow('2025-02-01T10:00:00+02:00', '2025-02-01T12:00:00Z')).toEqual({
      from: new Date('2025-02-01T08:00:00Z'),
      toInclusive: new Date('2025-02-01T12:00:00Z'),
    });
    expect(completedWindow(undefined, undefined)).toEqual({});
  });

  it('accepts a one-day window and refuses one that ends before it starts', () => {
    expect(() => completedWindow('2025-02-06', '2025-02-06')).not.toThrow();
    expect(() => completedWindow('2025-02-07', '2025-02-06')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => completedWindow('2025-02-06T12:00:00Z', '2025-02-06T11:00:00Z')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
