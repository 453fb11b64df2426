import { TenantFixture, TestApp, expectError } from './support/test-app';

describe('API keys (/api/api-keys)', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let owner: string;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant();
    owner = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  const createKey = (body: Record<string, unknown>, auth = owner) => t.http.post('/api/api-keys').set('Authorization', auth).send(body);

  it('shows the key once, stores only its hash, lists it without the secret', async () => {
    const res = await createKey({ name: 'ci', role: 'member' });
    expect(res.status).toBe(201);
    const key: string = res.body.data.key;
    expect(key).toMatch(/^atom_[A-Za-z0-9_-]{40,}$/);
    expect(res.body.data.prefix).toBe(key.slice(0, 12));
    const list = await t.http.get('/api/api-keys').set('Authorization', owner);
    expect(list.status).toBe(200);
    const listed = list.body.data.find((k: { id: string }) => k.id === res.body.data.id);
    expect(listed).toMatchObject({ name: 'ci', role: 'member', prefix: key.slice(0, 12), last_used_at: null });
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.pagination.total).toBeGreaterThanOrEqual(1);
  });

  it('authenticates with X-API-Key on any host, records last use, and carries its role', async () => {
    const { key, id } = (await createKey({ name: 'svc', role: 'member' })).body.data;
    const me = await t.http.get('/api/auth/me').set('X-API-Key', key);
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ type: 'api_key', id, role: 'member', tenant: { slug: tenant.slug } });
    expect(me.headers['x-ratelimit-limit']).toBeDefined();
    expect((await t.http.get('/api/auth/me').set('X-API-Key', key).set('Host', `${tenant.slug}.localhost`)).status).toBe(200);
    expectError(await t.http.get('/api/users').set('X-API-Key', key), 403, 'FORBIDDEN');
    const listed = (await t.http.get('/api/api-keys').set('Authorization', owner)).body.data.find((k: { id: string }) => k.id === id);
    expect(listed.last_used_at).not.toBeNull();
  });

  it('an admin key manages users; a key never outranks its creator', async () => {
    const admin = await t.userToken(tenant, 'admin');
    expectError(await createKey({ name: 'too-high', role: 'owner' }, `Bearer ${admin.token}`), 403, 'FORBIDDEN');
    const { key } = (await createKey({ name: 'admin-key', role: 'admin' }, `Bearer ${admin.token}`)).body.data;
    expect((await t.http.get('/api/users').set('X-API-Key', key)).status).toBe(200);
    const member = await t.userToken(tenant, 'member');
    expectError(await createKey({ name: 'nope', role: 'member' }, `Bearer ${member.token}`), 403, 'FORBIDDEN');
    expectError(await t.http.get('/api/api-keys').set('Authorization', `Bearer ${member.token}`), 403, 'FORBIDDEN');
  });

  it('revocation is immediate', async () => {
    const { key, id } = (await createKey({ name: 'temp', role: 'member' })).body.data;
    expect((await t.http.get('/api/auth/me').set('X-API-Key', key)).status).toBe(200);
    await t.http.delete(`/api/api-keys/${id}`).set('Authorization', owner).expect(200);
    expectError(await t.http.get('/api/auth/me').set('X-API-Key', key), 401, 'UNAUTHORIZED');
    expectError(await t.http.delete(`/api/api-keys/${id}`).set('Authorization', owner), 404, 'NOT_FOUND');
    expectError(await t.http.delete('/api/api-keys/not-a-uuid').set('Authorization', owner), 400, 'INVALID_INPUT');
  });

  it('only an owner revokes a key with the owner role, as only an owner removes an owner; the refused key keeps working', async () => {
    const { key, id } = (await createKey({ name: 'owner-key', role: 'owner' })).body.data;
    const admin = await t.userToken(tenant, 'admin');
    const adminKey = (await createKey({ name: 'admin-key', role: 'admin' }, `Bearer ${admin.token}`)).body.data;
    for (const credential of [{ Authorization: `Bearer ${admin.token}` }, { 'X-API-Key': adminKey.key }]) {
      const res = await t.http.delete(`/api/api-keys/${id}`).set(credential);
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body.error.message).toMatch(/Only an owner/);
    }
    expect((await t.http.get('/api/auth/me').set('X-API-Key', key)).body.data).toMatchObject({ type: 'api_key', id, role: 'owner' });
    const listed = (await t.http.get('/api/api-keys?limit=100').set('Authorization', owner)).body.data.map((k: { id: string }) => k.id);
    expect(listed).toContain(id);
    // An admin still revokes admin and member keys; an owner revokes the owner key.
    expect((await t.http.delete(`/api/api-keys/${adminKey.id}`).set('Authorization', `Bearer ${admin.token}`)).status).toBe(200);
    expect((await t.http.delete(`/api/api-keys/${id}`).set('Authorization', owner)).status).toBe(200);
    expectError(await t.http.get('/api/auth/me').set('X-API-Key', key), 401, 'UNAUTHORIZED');
  });

  it('refuses a name of spaces only and creates no key', async () => {
    const before = (await t.http.get('/api/api-keys').set('Authorization', owner)).body.pagination.total;
    for (const name of [' ', '     ', '\t\r\n', '\u00a0']) {
      const res = await createKey({ name, role: 'member' });
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields).toEqual([{ field: 'name', errors: ['name must contain a non-space character'] }]);
    }
    expect((await t.http.get('/api/api-keys').set('Authorization', owner)).body.pagination.total).toBe(before);
  });

  it('expires; a use after expiry is refused and leaves no last_used_at', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const { key } = (await createKey({ name: 'short', role: 'member', expires_at: expiresAt })).body.data;
    const unused = (await createKey({ name: 'short-unused', role: 'member', expires_at: expiresAt })).body.data;
    expect((await t.http.get('/api/auth/me').set('X-API-Key', key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expectError(await t.http.get('/api/auth/me').set('X-API-Key', key), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/auth/me').set('X-API-Key', unused.key), 401, 'UNAUTHORIZED');
    const keys = (await t.http.get('/api/api-keys?limit=100').set('Authorization', owner)).body.data as { id: string }[];
    expect(keys.find((listed) => listed.id === unused.id)).toMatchObject({ name: 'short-unused', last_used_at: null });
  });

  it('validates input', async () => {
    expectError(await createKey({ name: '', role: 'member' }), 400, 'INVALID_INPUT');
    expectError(await createKey({ name: 'x', role: 'root' }), 400, 'INVALID_INPUT');
    expectError(await createKey({ name: 'x', role: 'member', expires_at: 'tomorrow' }), 400, 'INVALID_INPUT');
    expectError(await createKey({ name: 'x', role: 'member', expires_at: '2001-01-01T00:00:00Z' }), 400, 'INVALID_INPUT');
    expectError(await t.http.get('/api/auth/me').set('X-API-Key', 'atom_forged-key-that-does-not-exist'), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/auth/me').set('X-API-Key', 'x'.repeat(5000)), 401, 'UNAUTHORIZED');
  });

  it('a key of tenant A is refused on tenant B’s host, revealing nothing about B', async () => {
    const other = await t.createTenant();
    const { key } = (await createKey({ name: 'a-key', role: 'admin' })).body.data;
    const onB = await t.http.get('/api/auth/me').set('X-API-Key', key).set('Host', `${other.slug}.localhost`);
    const onMissing = await t.http.get('/api/auth/me').set('X-API-Key', key).set('Host', 'no-such-tenant.localhost');
    expectError(onB, 403, 'FORBIDDEN');
    expectError(onMissing, 403, 'FORBIDDEN');
    expect(onB.body.error.message).toBe(onMissing.body.error.message);
    expectError(await t.http.get('/api/users').set('X-API-Key', key).set('X-Tenant-ID', other.slug), 403, 'FORBIDDEN');
  });
});
