/**
 * A deliberately small subset of JSON Schema for checking the arguments a model passes to an action.
 * Supported keywords: `type` (a name or a list of names: object, array, string, number, integer,
 * boolean, null), `properties`, `required`, `enum`, `minLength`, `maxLength`, `minimum`, `maximum`,
 * `items`. Any other keyword is ignored, and so are properties the schema does not name (models add
 * stray fields; the action reads only what it knows). Keep action schemas within this subset: the same
 * object is shown to the model as the tool's `parameters`.
 */

/** Arguments that do not fit the action's schema: the message lists every problem, one per field. */
export class ActionArgumentsError extends Error {
  override readonly name = 'ActionArgumentsError';

  constructor(
    readonly action: string,
    readonly problems: string[],
  ) {
    super(`Invalid arguments for ${action}: ${problems.join('; ')}`);
  }
}

type Schema = Record<string, unknown>;

const MAX_DEPTH = 16;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : Number.isFinite(value) ? 'number' : 'non-finite number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function check(schema: Schema, value: unknown, path: string, problems: string[], depth: number): void {
  const at = path || 'arguments';
  if (depth > MAX_DEPTH) {
    problems.push(`${at}: nested too deeply`);
    return;
  }
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? (schema.type as string[]) : [];
  if (types.length > 0 && !types.some((type) => matchesType(value, type))) {
    problems.push(`${at}: must be ${types.map((type) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`)).join(' or ')}, got ${typeOf(value)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) {
    problems.push(`${at}: must be one of ${schema.enum.map((allowed) => JSON.stringify(allowed)).join(', ')}, got ${describe(value)}`);
    return;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${at}: must have at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${at}: must have at most ${schema.maxLength} characters`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: must be at least ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${at}: must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') {
    value.forEach((item, index) => check(schema.items as Schema, item, `${at}[${index}]`, problems, depth + 1));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    for (const name of required) {
      if (!Object.hasOwn(object, name) || object[name] === undefined) problems.push(`${path ? `${path}.` : ''}${name}: is required`);
    }
    for (const [name, propertySchema] of Object.entries(properties)) {
      if (!Object.hasOwn(object, name) || object[name] === undefined) continue;
      check(propertySchema, object[name], path ? `${path}.${name}` : name, problems, depth + 1);
    }
  }
}

/** Every way `value` breaks `schema`, as `field: problem` lines; empty when it fits. Never throws. */
export function schemaProblems(schema: Schema, value: unknown): string[] {
  const problems: string[] = [];
  check(schema, value, '', problems, 0);
  return problems;
}

/** Throws an ActionArgumentsError naming every problem; returns quietly when the arguments fit. */
export function assertArguments(action: string, schema: Schema, value: unknown): void {
  const problems = schemaProblems(schema, value);
  if (problems.length > 0) throw new ActionArgumentsError(action, problems);
}
