import { DataSource } from 'typeorm';
import { PASSWORD, PLATFORM_KEY, TestApp, expectError, uniqueSlug } from './support/test-app';

describe('platform: tenant provisioning (/api/tenants)', () => {
  let t: TestApp;
  const platform = (req: ReturnType<TestApp['http']['get']>) => req.set('X-Platform-Key', PLATFORM_KEY);

  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t?.close();
  });

  const body = (slug: string, extra: Record<string, unknown> = {}) => ({
    slug,
    name: 'Acme',
    plan: 'solo',
    admin_email: `boss@${slug}.test`,
    admin_password: PASSWORD,
    ...extra,
  });

  it('creates a tenant with its schema, tables and owner', async () => {
    const slug = uniqueSlug('acme');
    const res = await platform(t.http.post('/api/tenants')).send(body(slug));
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.data).toMatchObject({ slug, name: 'Acme', plan: 'solo', status: 'active', schema: `tenant_${slug.replace(/-/g, '_')}` });
    expect(res.body.data.id).toMatch(/^[0-9a-f-]{36}$/);

    const tables: { table_name: string }[] = await t.app.get(DataSource).query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [res.body.data.schema],
    );
    expect(tables.map((r) => r.table_name)).toEqual(expect.arrayContaining(['api_keys', 'refresh_tokens', 'schema_migrations', 'users']));

    const login = await t.http.post('/api/auth/login').set('X-Tenant-ID', slug).send({ email: `boss@${slug}.test`, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.data.user.role).toBe('owner');
  });

  it('refuses invalid and reserved slugs with field errors', async () => {
    for (const slug of ['ab', 'Acme', '1acme', 'acme-', 'a--b', 'api', 'www', 'public', 'x'.repeat(41)]) {
      const res = await platform(t.http.post('/api/tenants')).send(body(slug));
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain('slug');
    }
  });

  it('validates every field and lists each bad one', async () => {
    const res = await platform(t.http.post('/api/tenants')).send({ slug: uniqueSlug(), plan: 'gold', admin_email: 'nope', admin_password: 'short' });
    expectError(res, 400, 'INVALID_INPUT');
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['admin_email', 'admin_password', 'name', 'plan']);
  });

  it('answers 409 for a duplicate slug', async () => {
    const slug = uniqueSlug();
    expect((await platform(t.http.post('/api/tenants')).send(body(slug))).status).toBe(201);
    expectError(await platform(t.http.post('/api/tenants')).send(body(slug)), 409, 'CONFLICT');
  });

  it('is all or nothing: a failed provisioning leaves no row and adopts no schema', async () => {
    const slug = uniqueSlug('orphan');
    const schema = `tenant_${slug.replace(/-/g, '_')}`;
    const db = t.app.get(DataSource);
    await db.query(`CREATE SCHEMA "${schema}"`);
    await db.query(`CREATE TABLE "${schema}".leftover (id int)`);
    expectError(await platform(t.http.post('/api/tenants')).send(body(slug)), 409, 'CONFLICT');
    expect(await db.query(`SELECT 1 FROM public.tenants WHERE slug = $1`, [slug])).toHaveLength(0);
    const tables: unknown[] = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    expect(tables).toHaveLength(1);
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
  });

  it('requires the platform key', async () => {
    expectError(await t.http.get('/api/tenants'), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/tenants').set('X-Platform-Key', 'wrong-key-wrong-key'), 401, 'UNAUTHORIZED');
    const tenant = await t.createTenant();
    // A tenant's own credentials are not platform credentials.
    expectError(await t.http.get('/api/tenants').set('Authorization', `Bearer ${tenant.ownerToken}`), 401, 'UNAUTHORIZED');
  });

  it('lists with pagination, filters and sorting', async () => {
    const slugs = [uniqueSlug('list'), uniqueSlug('list'), uniqueSlug('list')];
    for (const slug of slugs) await platform(t.http.post('/api/tenants')).send(body(slug, { plan: 'enterprise' }));
    const page = await platform(t.http.get('/api/tenants?plan=enterprise&limit=2&page=1&sort=slug&order=asc'));
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination).toMatchObject({ page: 1, limit: 2, total: 3, pages: 2 });
    expect(page.body.data.map((d: { slug: string }) => d.slug)).toEqual([...slugs].sort().slice(0, 2));
    const beyond = await platform(t.http.get('/api/tenants?plan=enterprise&limit=2&page=9'));
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.pagination.total).toBe(3);
    const search = await platform(t.http.get(`/api/tenants?q=${slugs[1]}`));
    expect(search.body.data.map((d: { slug: string }) => d.slug)).toEqual([slugs[1]]);
    expectError(await platform(t.http.get('/api/tenants?limit=101')), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.get('/api/tenants?sort=password')), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.get('/api/tenants?order=up')), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.get('/api/tenants?plan=gold')), 400, 'INVALID_INPUT');
  });

  it('gets, updates and deletes a tenant', async () => {
    const slug = uniqueSlug();
    await platform(t.http.post('/api/tenants')).send(body(slug));
    expect((await platform(t.http.get(`/api/tenants/${slug}`))).body.data.slug).toBe(slug);
    const unknown = await platform(t.http.get('/api/tenants/no-such-tenant'));
    expectError(unknown, 404, 'TENANT_NOT_FOUND');
    expect(unknown.body.error.message).toBe("Tenant 'no-such-tenant' not found");
    // A path segment that cannot be a slug is not repeated back (a 5,000-character one was).
    const long = await platform(t.http.get(`/api/tenants/${'x'.repeat(5000)}`));
    expectError(long, 404, 'TENANT_NOT_FOUND');
    expect(long.body.error.message).toBe('No tenant has this slug');

    const patched = await platform(t.http.patch(`/api/tenants/${slug}`)).send({ plan: 'team', max_agents: 7, requests_per_minute: 42, name: 'Renamed' });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ plan: 'team', max_agents: 7, requests_per_minute: 42, name: 'Renamed' });
    const cleared = await platform(t.http.patch(`/api/tenants/${slug}`)).send({ max_agents: null });
    expect(cleared.body.data).toMatchObject({ max_agents: null, requests_per_minute: 42 });
    expectError(await platform(t.http.patch(`/api/tenants/${slug}`)).send({ plan: 'gold' }), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.patch(`/api/tenants/${slug}`)).send({ max_agents: -1 }), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.patch(`/api/tenants/${slug}`)).send({ slug: 'rename' }), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.patch('/api/tenants/no-such-tenant')).send({ plan: 'team' }), 404, 'TENANT_NOT_FOUND');

    expectError(await platform(t.http.delete(`/api/tenants/${slug}`)), 400, 'INVALID_INPUT');
    expectError(await platform(t.http.delete(`/api/tenants/${slug}?confirm=other`)), 400, 'INVALID_INPUT');
    const deleted = await platform(t.http.delete(`/api/tenants/${slug}?confirm=${slug}`));
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ success: true, data: null });
    expectError(await platform(t.http.get(`/api/tenants/${slug}`)), 404, 'TENANT_NOT_FOUND');
    const schemas: unknown[] = await t.app.get(DataSource).query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [
      `tenant_${slug.replace(/-/g, '_')}`,
    ]);
    expect(schemas).toHaveLength(0);
    expectError(await t.http.post('/api/auth/login').set('X-Tenant-ID', slug).send({ email: `boss@${slug}.test`, password: PASSWORD }), 404, 'TENANT_NOT_FOUND');
  });

  it('PATCH refuses null for name, plan and status (columns that cannot be cleared), naming the field; nothing changes', async () => {
    const slug = uniqueSlug();
    await platform(t.http.post('/api/tenants')).send(body(slug, { name: 'Kept', plan: 'team' }));
    for (const field of ['name', 'plan', 'status']) {
      const res = await platform(t.http.patch(`/api/tenants/${slug}`)).send({ [field]: null, max_agents: 5 });
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    for (const name of ['', '   ', '\t\n', '\u00a0\u3000']) {
      const res = await platform(t.http.patch(`/api/tenants/${slug}`)).send({ name });
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['name']);
    }
    const kept = (await platform(t.http.get(`/api/tenants/${slug}`))).body.data;
    expect(kept).toMatchObject({ name: 'Kept', plan: 'team', status: 'active', max_agents: null });
    // Absent fields and the clearable overrides still work as before.
    const patched = await platform(t.http.patch(`/api/tenants/${slug}`)).send({ requests_per_minute: null, name: ' Spaced name ' });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: ' Spaced name ', plan: 'team', requests_per_minute: null });
  });

  it('POST refuses a name of spaces only and creates nothing', async () => {
    const slug = uniqueSlug();
    const res = await platform(t.http.post('/api/tenants')).send(body(slug, { name: '    ' }));
    expectError(res, 400, 'INVALID_INPUT');
    expect(res.body.error.details.fields).toEqual([{ field: 'name', errors: ['name must contain a non-space character'] }]);
    expectError(await platform(t.http.get(`/api/tenants/${slug}`)), 404, 'TENANT_NOT_FOUND');
  });

  it('a deleted tenant’s tokens stop working, also once its slug is taken again', async () => {
    const old = await t.createTenant();
    expect((await t.http.get('/api/auth/me').set('Authorization', `Bearer ${old.ownerToken}`)).status).toBe(200);
    await platform(t.http.delete(`/api/tenants/${old.slug}?confirm=${old.slug}`)).expect(200);
    expectError(await t.http.get('/api/auth/me').set('Authorization', `Bearer ${old.ownerToken}`), 401, 'UNAUTHORIZED');
    const reborn = await t.createTenant(old.slug);
    expectError(await t.http.get('/api/auth/me').set('Authorization', `Bearer ${old.ownerToken}`), 401, 'UNAUTHORIZED');
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${reborn.ownerToken}`);
    expect(me.body.data.tenant.slug).toBe(old.slug);
  });

  it('suspending a tenant locks its users out; reactivating lets them back', async () => {
    const tenant = await t.createTenant();
    await platform(t.http.patch(`/api/tenants/${tenant.slug}`)).send({ status: 'suspended' });
    expectError(await t.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`), 403, 'FORBIDDEN');
    expectError(await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: PASSWORD }), 403, 'FORBIDDEN');
    await platform(t.http.patch(`/api/tenants/${tenant.slug}`)).send({ status: 'active' });
    expect((await t.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`)).status).toBe(200);
  });
});

describe('platform routes without PLATFORM_ADMIN_KEY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ PLATFORM_ADMIN_KEY: '' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('do not exist (404), whatever key is sent', async () => {
    expectError(await t.http.get('/api/tenants'), 404, 'NOT_FOUND');
    expectError(await t.http.post('/api/tenants').set('X-Platform-Key', PLATFORM_KEY).send({}), 404, 'NOT_FOUND');
  });
});
