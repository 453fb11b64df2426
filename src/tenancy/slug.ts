/** A DNS label of 3-40 characters: lowercase letters, digits and inner hyphens, starting with a letter. */
export const SLUG_PATTERN = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

/** Names that are hosts of the platform itself, never tenants. */
export const RESERVED_SLUGS = new Set([
  'api', 'www', 'admin', 'public', 'app', 'auth', 'docs', 'status', 'mail', 'static', 'assets', 'cdn',
  'platform', 'system', 'root', 'support', 'help', 'metrics', 'health', 'internal', 'localhost',
  'postgres', 'pg-catalog', 'information-schema', 'tenant', 'tenants',
]);

export function slugProblem(slug: string): string | null {
  if (!SLUG_PATTERN.test(slug)) {
    return 'must be 3-40 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen';
  }
  if (slug.includes('--')) return 'must not contain consecutive hyphens';
  if (RESERVED_SLUGS.has(slug)) return `"${slug}" is reserved`;
  return null;
}

export function isValidSlug(slug: string): boolean {
  return slugProblem(slug) === null;
}

/** The schema of a tenant. Only ever derived from a validated slug, so it is safe to quote into SQL. */
export function schemaForSlug(slug: string): string {
  if (!isValidSlug(slug)) throw new Error(`Refusing to derive a schema from invalid slug "${slug}"`);
  return `tenant_${slug.replace(/-/g, '_')}`;
}

const SCHEMA_PATTERN = /^tenant_[a-z][a-z0-9_]{1,38}[a-z0-9]$/;

/** Quote a tenant schema for SQL, after checking it has the only shape a tenant schema can have. */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema)) throw new Error(`Not a tenant schema: "${schema}"`);
  return `"${schema}"`;
}
