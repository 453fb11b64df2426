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
 * A value as a jsonb parameter: its JSON with every string made well-formed. A lone surrogate (model
 * output can hold one) is written by JSON.stringify as an escape that jsonb refuses, which would fail
 * the whole statement; it becomes U+FFFD, as the driver does for a text parameter.
 */
export function jsonbParam(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? item.toWellFormed() : item));
}
