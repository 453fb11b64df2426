import type { RequestContext } from '../../auth/principal';
import type { ErrorCode } from '../http/error-codes';
import type { SecretBox } from '../secret-box';

/** What a stored key replays: the handler's `data`, or the error it answered with (never a 5xx). */
export type StoredResponse = { data: unknown } | { error: { code: ErrorCode; message: string; details: Record<string, unknown> } };

/**
 * Whose key it is: the authenticated principal (`user:<id>` or `api_key:<id>`), so that the same key
 * string sent by another caller of the tenant is another key; it must never replay a response that
 * caller was not given (a session they cannot see, a secret shown once). Null without a caller.
 */
export function idempotencyOwner(context: Pick<RequestContext, 'principal'> | undefined): string | null {
  const principal = context?.principal;
  if (!principal?.id) return null;
  return `${principal.type}:${principal.id}`;
}

/**
 * The response as stored at rest: sealed, because it can carry what the service otherwise keeps
 * encrypted or shows only once (a generated webhook secret, a chat answer).
 */
export function sealResponse(box: SecretBox, response: StoredResponse): string {
  return box.seal(JSON.stringify(response));
}

/** The stored response, or null when it cannot be opened (ENCRYPTION_KEY changed, or not ours). */
export function openResponse(box: SecretBox, sealed: string): StoredResponse | null {
  try {
    const value: unknown = JSON.parse(box.open(sealed));
    if (value && typeof value === 'object' && ('data' in value || 'error' in value)) return value as StoredResponse;
    return null;
  } catch {
    return null;
  }
}
