import { createHmac } from 'node:crypto';
import { generateWebhookSecret, secretProblem, signatureHeaders, signingKey } from './signing';

describe('webhook signing', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(signingKey(secret)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
    expect(secretProblem(secret)).toBeNull();
  });

  it('uses the decoded bytes of a whsec_ secret and the UTF-8 bytes of any other', () => {
    expect(signingKey('whsec_AAECAw==')).toEqual(Buffer.from([0, 1, 2, 3]));
    expect(signingKey('plain-secret')).toEqual(Buffer.from('plain-secret', 'utf8'));
  });

  it('signs "<id>.<timestamp>.<body>" (v1, base64) and the body alone (sha256, hex) with the same key', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signatureHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    // The example of the Standard Webhooks specification.
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', key).update('{"test": 2432232314}').digest('hex')}`);
    expect(headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-timestamp']).toBe('1614265330');
  });

  it('refuses short secrets and malformed whsec_ ones', () => {
    expect(secretProblem('short')).toMatch(/at least 24/);
    expect(secretProblem('whsec_not base64!')).toMatch(/base64/);
    expect(secretProblem('whsec_AAECAw==')).toMatch(/24 bytes/);
    expect(secretProblem('a-long-enough-plain-secret-value')).toBeNull();
  });
});
