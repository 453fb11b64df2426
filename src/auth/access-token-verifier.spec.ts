import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/config';
import { AccessTokenVerifier, bearerTokenOf } from './access-token-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET, DATA_DIR: ':memory:' });
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const nowSeconds = Math.floor(NOW / 1000);
const CLAIMS = { sub: 'user-1', tid: 'tenant-1', ten: 'acme', typ: 'access' };
/** What verify returns: the claims and when the token was issued (seconds). */
const VERIFIED = { ...CLAIMS, iat: nowSeconds };

function token(claims: object = CLAIMS, options: jwt.SignOptions = {}, secret = SECRET): string {
  return jwt.sign({ iat: nowSeconds, exp: nowSeconds + 900, ...claims }, secret, { algorithm: 'HS256', ...options });
}

describe('AccessTokenVerifier', () => {
  let verifier: AccessTokenVerifier;
  let verifySpy: jest.SpyInstance;

  beforeEach(() => {
    verifier = new AccessTokenVerifier(config);
    verifySpy = jest.spyOn(jwt, 'verify');
  });

  afterEach(() => verifySpy.mockRestore());

  it('returns the claims of a valid access token', () => {
    expect(verifier.verify(token(), NOW)).toEqual(VERIFIED);
  });

  it('checks the signature once per token, then remembers it until it expires', () => {
    const valid = token();
    verifier.verify(valid, NOW);
    expect(verifier.verify(valid, NOW + 1000)).toEqual(VERIFIED);
    expect(verifySpy).toHaveBeenCalledTimes(1);
    // exp is nowSeconds + 900: valid one millisecond before, refused at the second itself.
    expect(verifier.verify(valid, NOW + 899_999)).toEqual(VERIFIED);
    expect(verifier.verify(valid, NOW + 900_000)).toBeNull();
    expect(verifier.verify(valid, NOW + 900_001)).toBeNull();
  });

  it.each([
    ['another secret', () => token(CLAIMS, {}, 'another-secret-that-is-long-enough-0123456789')],
    ['a refresh-type token', () => token({ ...CLAIMS, typ: 'refresh' })],
    ['no tenant id', () => token({ sub: 'user-1', typ: 'access' })],
    ['an expired token', () => token({ ...CLAIMS, exp: nowSeconds - 1 })],
    ['HS512', () => token(CLAIMS, { algorithm: 'HS512' })],
    ['alg none', () => jwt.sign({ ...CLAIMS, exp: nowSeconds + 900 }, '', { algorithm: 'none' })],
    ['garbage', () => 'not.a.token'],
  ])('refuses %s, and never remembers a refusal', (_name, make) => {
    const bad = make();
    expect(verifier.verify(bad, NOW)).toBeNull();
    expect(verifier.verify(bad, NOW)).toBeNull();
    expect(verifySpy).toHaveBeenCalledTimes(2);
  });

  it('refuses a remembered token whose signature was tampered with (a different string)', () => {
    const valid = token();
    verifier.verify(valid, NOW);
    const [header, payload, signature] = valid.split('.');
    const tampered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(verifier.verify(tampered, NOW)).toBeNull();
  });

  it('forgets the oldest token first when full, and checks it again when it comes back', () => {
    const first = token({ ...CLAIMS, sub: 'user-0' });
    verifier.verify(first, NOW);
    for (let i = 1; i <= 10_000; i++) verifier.verify(token({ ...CLAIMS, sub: `user-${i}` }), NOW);
    verifySpy.mockClear();
    expect(verifier.verify(first, NOW)).toEqual({ ...VERIFIED, sub: 'user-0' });
    expect(verifySpy).toHaveBeenCalledTimes(1);
  });
});

describe('bearerTokenOf', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Basic abc', null],
    ['Bearer', null],
    ['Bearer a b', null],
    ['', null],
    [undefined, null],
  ])('%j -> %j', (header, expected) => {
    expect(bearerTokenOf(header)).toBe(expected);
  });
});
