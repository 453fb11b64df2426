import { randomBytes } from 'node:crypto';
import { SecretBox } from '../secret-box';
import { idempotencyOwner, openResponse, sealResponse, type StoredResponse } from './idempotency-record';

const ID = '11111111-2222-4333-8444-555555555555';

describe('idempotencyOwner', () => {
  it('is the principal: its type and id, so a user and an API key with the same id are two owners', () => {
    expect(idempotencyOwner({ principal: { type: 'user', id: ID, role: 'member' } })).toBe(`user:${ID}`);
    expect(idempotencyOwner({ principal: { type: 'api_key', id: ID, role: 'member' } })).toBe(`api_key:${ID}`);
    expect(idempotencyOwner({ principal: { type: 'user', id: 'a', role: 'owner' } })).not.toBe(idempotencyOwner({ principal: { type: 'user', id: 'b', role: 'owner' } }));
  });

  it('does not depend on the role: a caller whose role changed still owns its keys', () => {
    expect(idempotencyOwner({ principal: { type: 'user', id: ID, role: 'admin' } })).toBe(idempotencyOwner({ principal: { type: 'user', id: ID, role: 'member' } }));
  });

  it('is null without a caller', () => {
    expect(idempotencyOwner(undefined)).toBeNull();
    expect(idempotencyOwner({})).toBeNull();
    expect(idempotencyOwner({ principal: { type: 'user', id: '', role: 'member' } })).toBeNull();
  });
});

describe('sealResponse / openResponse', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  it('keeps nothing of the response readable, and opens it back whole (data or error)', () => {
    const data: StoredResponse = { data: { id: 'webhook-9f8e7d6c5b4a', secret, nested: [1, { a: null }] } };
    const sealed = sealResponse(box, data);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(secret.slice(6, 20));
    // Markers long enough that random ciphertext cannot contain them by chance (a 2-letter one did, ~4% of runs).
    expect(sealed).not.toContain('webhook-9f8e7d6c5b4a');
    expect(openResponse(box, sealed)).toEqual(data);
    const error: StoredResponse = { error: { code: 'AGENT_LIMIT_EXCEEDED', message: 'limit', details: { limit: 3 } } };
    expect(openResponse(box, sealResponse(box, error))).toEqual(error);
  });

  it('seals the same response differently each time', () => {
    expect(sealResponse(box, { data: 1 })).not.toBe(sealResponse(box, { data: 1 }));
  });

  it('is null, never a throw, for what it cannot open: another key, tampering, plain text', () => {
    const sealed = sealResponse(box, { data: { secret } });
    expect(openResponse(new SecretBox(randomBytes(32)), sealed)).toBeNull();
    const parts = sealed.split('.');
    const tampered = Buffer.from(parts[3], 'base64url');
    tampered[0] ^= 1;
    expect(openResponse(box, [parts[0], parts[1], parts[2], tampered.toString('base64url')].join('.'))).toBeNull();
    expect(openResponse(box, JSON.stringify({ data: { secret } }))).toBeNull();
    expect(openResponse(box, '')).toBeNull();
  });

  it('is null for a sealed value that is not a stored response', () => {
    expect(openResponse(box, box.seal('"just a string"'))).toBeNull();
    expect(openResponse(box, box.seal('{"other":1}'))).toBeNull();
    expect(openResponse(box, box.seal('not json'))).toBeNull();
  });
});
