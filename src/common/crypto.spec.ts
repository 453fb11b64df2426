import { hashPassword, randomToken, safeEqual, sha256, verifyPassword } from './crypto';

describe('hashPassword / verifyPassword', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword('correct horse battery staple');
  });

  it('stores scrypt with its parameters, salt and hash', () => {
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  });

  it('verifies the right password', async () => {
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
  });

  it('rejects a wrong password', async () => {
    await expect(verifyPassword('correct horse battery stapl', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts: two hashes of the same password differ and both verify', async () => {
    const again = await hashPassword('correct horse battery staple');
    expect(again).not.toBe(stored);
    await expect(verifyPassword('correct horse battery staple', again)).resolves.toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['a bcrypt hash', '$2b$10$abcdefghijklmnopqrstuv'],
    ['plain text', 'correct horse battery staple'],
    ['a hash without salt and hash', 'scrypt$32768$8$1'],
    ['an empty hash part', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0$'],
    ['a truncated hash', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0$AAAA'],
    ['N not a power of two', `scrypt$30000$8$1$c2FsdHNhbHRzYWx0$${Buffer.alloc(32).toString('base64')}`],
    ['N too large to allocate', `scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$${Buffer.alloc(32).toString('base64')}`],
    ['r out of range', `scrypt$32768$999$1$c2FsdHNhbHRzYWx0$${Buffer.alloc(32).toString('base64')}`],
    ['p not a number', `scrypt$32768$8$x$c2FsdHNhbHRzYWx0$${Buffer.alloc(32).toString('base64')}`],
    ['parameters beyond the memory cap', `scrypt$1048576$32$1$c2FsdHNhbHRzYWx0$${Buffer.alloc(32).toString('base64')}`],
    ['an extra field', `${'scrypt$32768$8$1$c2FsdHNhbHRzYWx0$'}${Buffer.alloc(32).toString('base64')}$x`],
  ])('rejects a malformed stored hash: %s', async (_label, malformed) => {
    await expect(verifyPassword('correct horse battery staple', malformed)).resolves.toBe(false);
  });
});

describe('randomToken', () => {
  it('is the prefix followed by 43 base64url characters (32 bytes)', () => {
    expect(randomToken('atom_')).toMatch(/^atom_[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differs on each call', () => {
    expect(new Set(Array.from({ length: 100 }, () => randomToken())).size).toBe(100);
  });
});

describe('sha256', () => {
  it('is the lowercase hex SHA-256 digest', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('safeEqual', () => {
  it('is true for equal strings', () => {
    expect(safeEqual('secret-key', 'secret-key')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
  });

  it('is false for different strings, including different lengths and prefixes', () => {
    expect(safeEqual('secret-key', 'secret-kez')).toBe(false);
    expect(safeEqual('secret-key', 'secret-key-longer')).toBe(false);
    expect(safeEqual('secret-key', '')).toBe(false);
    expect(safeEqual('Secret-key', 'secret-key')).toBe(false);
  });
});
