import { insertFromJsonSql, jsonbParam } from './json-insert';

describe('jsonbParam', () => {
  it('is the JSON of the value, dates as ISO strings, with lone surrogates replaced and pairs kept', () => {
    const json = jsonbParam({ at: new Date('2026-01-02T03:04:05.000Z'), text: 'a\ud800b', emoji: '😀', list: ['\udc00', 1, null] });
    expect(JSON.parse(json)).toEqual({ at: '2026-01-02T03:04:05.000Z', text: 'a\ufffdb', emoji: '😀', list: ['\ufffd', 1, null] });
    // No surrogate escape is left for jsonb to refuse.
    expect(json).not.toMatch(/\\ud[89a-f]/i);
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
