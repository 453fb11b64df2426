import { fieldsWithUnstorableText } from './validation';

describe('fieldsWithUnstorableText', () => {
  it('finds nothing in text without U+0000, whatever else it holds', () => {
    expect(fieldsWithUnstorableText({ name: 'Ünïcode ✓ \t\n', tags: ['a', ''], nested: { n: 1, b: true, z: null }, raw: '\\u0000 as six characters' })).toEqual([]);
    expect(fieldsWithUnstorableText(undefined)).toEqual([]);
  });

  it('names every field holding it: nested objects, array items, keys, a bare value or a named parameter', () => {
    const body = { name: 'a\u0000b', config: { deep: [{ ok: 'x' }, { bad: '\u0000' }], ['k\u0000ey']: 'fine' }, ok: 'fine' };
    expect(fieldsWithUnstorableText(body)).toEqual(['config.deep[1].bad', 'config.k\\u0000ey', 'name']);
    expect(fieldsWithUnstorableText('x\u0000')).toEqual(['value']);
    expect(fieldsWithUnstorableText('x\u0000', 'turn_id')).toEqual(['turn_id']);
  });

  it('names text with an unpaired surrogate (which jsonb refuses and text would replace), not a paired one', () => {
    expect(fieldsWithUnstorableText({ ok: 'emoji 😀 \ud83d\ude00', lone: 'x\ud800', trailing: 'y\udc00', ['k\ud800']: 1 })).toEqual(['k\ufffd', 'lone', 'trailing']);
  });

  it('walks deeply nested values without recursion', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(fieldsWithUnstorableText({ deep })).toHaveLength(1);
  });
});
