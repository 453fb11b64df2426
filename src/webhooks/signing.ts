import { createHmac, randomBytes } from 'node:crypto';

const WHSEC = 'whsec_';

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${WHSEC}${randomBytes(32).toString('base64')}`;
}

/**
 * The HMAC key of a secret: for a `whsec_` secret the base64-decoded part after the prefix (what the
 * Standard Webhooks libraries do), otherwise the secret's UTF-8 bytes.
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith(WHSEC) ? Buffer.from(secret.slice(WHSEC.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** Why a caller-supplied secret cannot be used, or null. */
export function secretProblem(secret: string): string | null {
  if (secret.startsWith(WHSEC)) {
    const encoded = secret.slice(WHSEC.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'a whsec_ secret must be followed by base64';
    if (Buffer.from(encoded, 'base64').length < 24) return 'a whsec_ secret must encode at least 24 bytes';
    return null;
  }
  if (secret.length < 24) return 'must be at least 24 characters';
  return null;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'x-webhook-signature': string;
}

/**
 * Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`; plus
 * `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>` for receivers that only check the body,
 * with the same key bytes.
 */
export function signatureHeaders(secret: string, messageId: string, timestampSeconds: number, body: string): SignatureHeaders {
  const key = signingKey(secret);
  const signed = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  const simple = createHmac('sha256', key).update(body).digest('hex');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signed}`,
    'x-webhook-signature': `sha256=${simple}`,
  };
}
