import { insertFromJsonSql, jsonbParam, storableText, withoutNul } from './json-insert';

describe('jsonbParam', () => {
  it('is the JSON of the value, dates as ISO strings, with lone surrogates replaced and pairs kept', () => {
    const json = jsonbParam({ at: new Date('2026-01-02T03:04:05.000Z'), text: 'a\ud800b', emoji: '😀', list: ['\udc00', 1, null] });
    expect(JSON.parse(json)).toEqual({ at: '2026-01-02T03:04:05.000Z', text: 'a\ufffdb', emoji: '😀', list: ['\ufffd', 1, null] });
    // No surrogate escape is left for jsonb to refuse.
    expect(json).not.toMatch(/\\ud[89a-f]/i);
  });

  it('replaces NUL (which text and jsonb refuse) with U+FFFD, in values and keys', () => {
    expect(JSON.parse(jsonbParam({ text: 'a\u0000b\u0000', list: ['\u0000'] }))).toEqual({ text: 'a\ufffdb\ufffd', list: ['\ufffd'] });
  });
});

describe('storableText / withoutNul', () => {
  it('storableText: NUL and lone surrogates become U+FFFD, everything else stays', () => {
    expect(storableText('ok 😀 \t\n')).toBe('ok 😀 \t\n');
    expect(storableText('a\u0000b\ud800c')).toBe('a\ufffdb\ufffdc');
  });

  it('withoutNul leaves surrogates alone (a pair may be split across two streamed deltas)', () => {
    expect(withoutNul('\ud83d')).toBe('\ud83d');
    expect(withoutNul('x\u0000')).toBe('x\ufffd');
  });
});

describe('insertFromJsonSql', () => {
  it('selects the listed columns from the row type of the table, one row or many, with an optional condition', () => {
    expect(insertFromJsonSql('"s".t', ['a', 'b'], '$3')).toBe('INSERT INTO "s".t (a, b) SELECT a, b FROM jsonb_populate_record(NULL::"s".t, $3::jsonb)');
    expect(insertFromJsonSql('t', ['a'], '$1', { many: true, when: 'WHERE true' })).toBe(
      'INSERT INTO t (a) SELECT a FROM jsonb_populate_recordset(NULL::t, $1::jsonb) WHERE true',
    );
  });
});
