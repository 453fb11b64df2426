import { createHash } from 'node:crypto';
import { canonicalJson, requestHash } from './request-hash';

const KEY = Buffer.alloc(32, 7);

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined ones', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('keeps array order and scalar types apart', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('requestHash', () => {
  it('is the same for the same operation, params and body in any key order', () => {
    expect(requestHash(KEY, 'Agents.create', {}, { name: 'a', role: 'b' })).toBe(requestHash(KEY, 'Agents.create', {}, { role: 'b', name: 'a' }));
  });

  it('differs by operation, by path parameter and by body', () => {
    const base = requestHash(KEY, 'Agents.execute', { id: '1' }, { task: 'x' });
    expect(requestHash(KEY, 'Agents.create', { id: '1' }, { task: 'x' })).not.toBe(base);
    expect(requestHash(KEY, 'Agents.execute', { id: '2' }, { task: 'x' })).not.toBe(base);
    expect(requestHash(KEY, 'Agents.execute', { id: '1' }, { task: 'y' })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is keyed: without the key, the stored hash cannot be recomputed from a guessed body', () => {
    const body = { url: 'https://example.com/hook', events: ['*'], secret: 'a-guessable-secret' };
    const stored = requestHash(KEY, 'Webhooks.create', {}, body);
    const unkeyed = createHash('sha256').update(canonicalJson({ operation: 'Webhooks.create', params: {}, body })).digest('hex');
    expect(stored).not.toBe(unkeyed);
    expect(requestHash(Buffer.alloc(32, 8), 'Webhooks.create', {}, body)).not.toBe(stored);
  });
});
