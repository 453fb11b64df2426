import { createHmac } from 'node:crypto';

/** JSON with object keys sorted at every level, so that `{a, b}` and `{b, a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * What makes two requests "the same" for an Idempotency-Key: the operation, its path parameters and its
 * body. Keyed (HMAC-SHA256): a body can carry a secret the client chose (a webhook's), and a plain hash
 * kept in the database would let whoever reads it test guesses of that secret offline.
 */
export function requestHash(key: Buffer, operation: string, params: unknown, body: unknown): string {
  return createHmac('sha256', key)
    .update(canonicalJson({ operation, params: params ?? {}, body: body ?? null }))
    .digest('hex');
}
