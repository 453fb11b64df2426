/**
 * `INSERT … SELECT` of rows given as one jsonb parameter whose keys are column names: one row
 * (jsonb_populate_record) or an array of rows (jsonb_populate_recordset), typed by the table's own row
 * type. It lets a statement that already writes something else add these rows in a data-modifying CTE
 * (one round trip for what took a transaction of several), and an array of rows costs one statement.
 * `table` is trusted SQL (a quoted schema and a constant name); `when` an optional trailing WHERE.
 */
export function insertFromJsonSql(table: string, columns: readonly string[], param: string, options: { many?: boolean; when?: string } = {}): string {
  const list = columns.join(', ');
  const source = options.many ? 'jsonb_populate_recordset' : 'jsonb_populate_record';
  return `INSERT INTO ${table} (${list}) SELECT ${list} FROM ${source}(NULL::${table}, ${param}::jsonb)${options.when ? ` ${options.when}` : ''}`;
}

/**
 * Text as PostgreSQL can store it: a lone surrogate (model output can hold one) and the NUL character
 * become U+FFFD. text and jsonb both refuse NUL, and jsonb refuses a lone surrogate's escape; either
 * would fail the whole statement, and with it the answer it stores.
 */
export function storableText(text: string): string {
  return withoutNul(text.toWellFormed());
}

/** NUL as U+FFFD (for streamed model text, whose lone surrogates the writes replace: a pair may span two deltas). */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
}

/** A value as a jsonb parameter: its JSON with every string made storable (storableText). */
export function jsonbParam(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? storableText(item) : item));
}
