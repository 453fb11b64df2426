import { isValidSlug, quoteSchema, schemaForSlug, slugProblem } from './slug';

describe('slugProblem / isValidSlug', () => {
  it.each([
    ['abc', '3 characters'],
    ['a'.repeat(40), '40 characters'],
    ['acme-corp', 'an inner hyphen'],
    ['a1-b2', 'digits after the first letter'],
    ['team9', 'a trailing digit'],
  ])('accepts %s (%s)', (slug) => {
    expect(slugProblem(slug)).toBeNull();
    expect(isValidSlug(slug)).toBe(true);
  });

  it.each([
    ['ab', '2 characters'],
    ['a'.repeat(41), '41 characters'],
    ['', 'empty'],
    ['Acme', 'uppercase'],
    ['1acme', 'a leading digit'],
    ['-acme', 'a leading hyphen'],
    ['acme-', 'a trailing hyphen'],
    ['ac_me', 'an underscore'],
    ['ac.me', 'a dot'],
    ['acme\n', 'a trailing newline'],
  ])('refuses %j (%s) for its shape', (slug) => {
    expect(slugProblem(slug)).toMatch(/3-40 characters/);
    expect(isValidSlug(slug)).toBe(false);
  });

  it('refuses consecutive hyphens', () => {
    expect(slugProblem('ac--me')).toBe('must not contain consecutive hyphens');
  });

  it.each(['api', 'www', 'admin', 'public', 'pg-catalog'])('refuses the reserved slug %s', (slug) => {
    expect(slugProblem(slug)).toBe(`"${slug}" is reserved`);
    expect(isValidSlug(slug)).toBe(false);
  });
});

describe('schemaForSlug', () => {
  it('prefixes tenant_ and turns hyphens into underscores', () => {
    expect(schemaForSlug('acme-corp-eu')).toBe('tenant_acme_corp_eu');
  });

  it('gives a schema quoteSchema accepts, even for a 40-character slug', () => {
    const schema = schemaForSlug(`a${'-b'.repeat(19)}c`);
    expect(quoteSchema(schema)).toBe(`"${schema}"`);
  });

  it.each(['Acme', 'ab', 'api', 'ac--me'])('throws for the invalid slug %s', (slug) => {
    expect(() => schemaForSlug(slug)).toThrow(/invalid slug/);
  });
});

describe('quoteSchema', () => {
  it('double-quotes a tenant schema', () => {
    expect(quoteSchema('tenant_acme')).toBe('"tenant_acme"');
  });

  it.each([
    'tenant_a"; drop schema public cascade; --',
    'tenant_acme"',
    'public',
    'tenant_Acme',
    'tenant_acme_',
    'tenant_1acme',
    'xtenant_acme',
  ])('refuses %j', (schema) => {
    expect(() => quoteSchema(schema)).toThrow(/Not a tenant schema/);
  });
});
