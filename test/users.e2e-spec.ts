import { beforeAndAfterTenantMigration } from './support/migration-test';
import { PASSWORD, TenantFixture, TestApp, expectError } from './support/test-app';

describe('users (/api/users)', () => {
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

  it('creates, reads, updates and deletes users', async () => {
    const created = await t.http.post('/api/users').set('Authorization', owner).send({ email: 'Ada@Example.test', password: PASSWORD, role: 'member', name: 'Ada' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ email: 'ada@example.test', role: 'member', name: 'Ada' });
    expect(created.body.data.password).toBeUndefined();
    expect(created.body.data.password_hash).toBeUndefined();
    const id = created.body.data.id;

    expect((await t.http.get(`/api/users/${id}`).set('Authorization', owner)).body.data.email).toBe('ada@example.test');
    const patched = await t.http.patch(`/api/users/${id}`).set('Authorization', owner).send({ role: 'admin', name: 'Ada L.' });
    expect(patched.body.data).toMatchObject({ role: 'admin', name: 'Ada L.' });
    const newPassword = 'a brand new password';
    await t.http.patch(`/api/users/${id}`).set('Authorization', owner).send({ password: newPassword }).expect(200);
    expect((await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: 'ada@example.test', password: newPassword })).status).toBe(200);

    await t.http.delete(`/api/users/${id}`).set('Authorization', owner).expect(200);
    expectError(await t.http.get(`/api/users/${id}`).set('Authorization', owner), 404, 'NOT_FOUND');
    expectError(await t.http.delete(`/api/users/${id}`).set('Authorization', owner), 404, 'NOT_FOUND');
  });

  it('stores emails lowercased and in Unicode NFC: an é precomposed or as e + accent is one address (409), and either spelling logs in', async () => {
    const nfc = 'jos\u00e9@example.test';
    const nfd = 'jose\u0301@example.test';
    const created = await t.http.post('/api/users').set('Authorization', owner).send({ email: nfd.toUpperCase(), password: PASSWORD, role: 'member' });
    expect(created.status).toBe(201);
    expect(created.body.data.email).toBe(nfc);
    expectError(await t.http.post('/api/users').set('Authorization', owner).send({ email: nfc, password: PASSWORD, role: 'admin' }), 409, 'CONFLICT');
    for (const email of [nfc, nfd]) {
      expect((await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email, password: PASSWORD })).status).toBe(200);
    }
  });

  it('tenant migration 0012 brings stored emails to NFC, except one that would then collide with another user', async () => {
    await beforeAndAfterTenantMigration(t.app, '0012_email_nfc.sql', async (runner, migrate) => {
      const insert = (email: string) => runner.query(`INSERT INTO users (email, role, password_hash) VALUES ($1, 'member', 'x') RETURNING id`, [email]);
      const [[alone], [pairNfd], [pairNfc]] = [await insert('rene\u0301@example.test'), await insert('zoe\u0308@example.test'), await insert('zo\u00eb@example.test')];
      await migrate();
      const emailOf = async (id: string) => ((await runner.query('SELECT email FROM users WHERE id = $1', [id])) as { email: string }[])[0].email;
      expect(await emailOf(alone.id)).toBe('ren\u00e9@example.test');
      expect(await emailOf(pairNfd.id)).toBe('zoe\u0308@example.test');
      expect(await emailOf(pairNfc.id)).toBe('zo\u00eb@example.test');
    });
  });

  it('a new password ends every login of the user (refresh tokens revoked, earlier access tokens refused), not other users\' logins', async () => {
    const email = 'rotate@example.test';
    const { id } = (await t.http.post('/api/users').set('Authorization', owner).send({ email, password: PASSWORD, role: 'member' })).body.data;
    const login = (password: string) => t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email, password });
    const refresh = (token: string) => t.http.post('/api/auth/refresh').set('X-Tenant-ID', tenant.slug).send({ refresh_token: token });
    const [laptop, phone] = [(await login(PASSWORD)).body.data, (await login(PASSWORD)).body.data];
    const ownersLogin = (await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: PASSWORD })).body.data;
    const me = (accessToken: string) => t.http.get('/api/auth/me').set('Authorization', `Bearer ${accessToken}`);
    expect((await me(laptop.access_token)).status).toBe(200);
    // A token's issue time has whole seconds: the change must come in a later second than the logins.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // An admin resets it (a member cannot use this route).
    await t.http.patch(`/api/users/${id}`).set('Authorization', owner).send({ password: 'the new password 1' }).expect(200);
    expectError(await refresh(laptop.refresh_token), 401, 'UNAUTHORIZED');
    expectError(await refresh(phone.refresh_token), 401, 'UNAUTHORIZED');
    // Access tokens issued before the change are refused at once too (not only when they expire).
    expectError(await me(laptop.access_token), 401, 'UNAUTHORIZED');
    expectError(await me(phone.access_token), 401, 'UNAUTHORIZED');
    expect((await refresh(ownersLogin.refresh_token)).status).toBe(200);
    expect((await me(ownersLogin.access_token)).status).toBe(200);
    const fresh = (await login('the new password 1')).body.data;
    expect((await me(fresh.access_token)).status).toBe(200);
    expect((await refresh(fresh.refresh_token)).status).toBe(200);
    // A change of name alone ends nothing.
    await t.http.patch(`/api/users/${id}`).set('Authorization', owner).send({ name: 'Renamed' }).expect(200);
    const again = (await login('the new password 1')).body.data;
    expect((await refresh(again.refresh_token)).status).toBe(200);
  });

  it('validates input', async () => {
    const res = await t.http.post('/api/users').set('Authorization', owner).send({ email: 'x', password: 'short', role: 'god' });
    expectError(res, 400, 'INVALID_INPUT');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password', 'role']);
    expectError(await t.http.get('/api/users/not-a-uuid').set('Authorization', owner), 400, 'INVALID_INPUT');
    expectError(await t.http.patch('/api/users/00000000-0000-4000-8000-000000000000').set('Authorization', owner).send({ role: 'admin' }), 404, 'NOT_FOUND');
    expectError(await t.http.get('/api/users?sort=password_hash').set('Authorization', owner), 400, 'INVALID_INPUT');
    expectError(await t.http.get('/api/users?limit=0').set('Authorization', owner), 400, 'INVALID_INPUT');
    expectError(await t.http.get('/api/users?role=god').set('Authorization', owner), 400, 'INVALID_INPUT');
    // An explicit null is refused for what cannot be cleared (it was a 500), and clears the name.
    const someone = (await t.http.post('/api/users').set('Authorization', owner).send({ email: 'nulls@example.com', password: 'long enough pw', role: 'member', name: 'N' })).body.data;
    const nulls = await t.http.patch(`/api/users/${someone.id}`).set('Authorization', owner).send({ email: null, password: null, role: null });
    expectError(nulls, 400, 'INVALID_INPUT');
    expect(nulls.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password', 'role']);
    const cleared = await t.http.patch(`/api/users/${someone.id}`).set('Authorization', owner).send({ name: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ email: 'nulls@example.com', name: null });
  });

  it('refuses a duplicate email (case-insensitive) with 409', async () => {
    await t.http.post('/api/users').set('Authorization', owner).send({ email: 'dup@example.test', password: PASSWORD, role: 'member' }).expect(201);
    expectError(await t.http.post('/api/users').set('Authorization', owner).send({ email: 'DUP@example.test', password: PASSWORD, role: 'member' }), 409, 'CONFLICT');
  });

  it('lists users with pagination, search and role filter', async () => {
    for (const n of [1, 2, 3]) {
      await t.http.post('/api/users').set('Authorization', owner).send({ email: `listed${n}@example.test`, password: PASSWORD, role: 'member', name: `Listed ${n}` });
    }
    const res = await t.http.get('/api/users?q=listed&sort=email&order=asc&limit=2').set('Authorization', owner);
    expect(res.status).toBe(200);
    expect(res.body.data.map((u: { email: string }) => u.email)).toEqual(['listed1@example.test', 'listed2@example.test']);
    expect(res.body.pagination).toEqual({ page: 1, limit: 2, total: 3, pages: 2 });
    const owners = await t.http.get('/api/users?role=owner').set('Authorization', owner);
    expect(owners.body.data.every((u: { role: string }) => u.role === 'owner')).toBe(true);
  });

  it('is for admins and owners only; admins cannot make or touch owners', async () => {
    const member = await t.userToken(tenant, 'member');
    const admin = await t.userToken(tenant, 'admin');
    expectError(await t.http.get('/api/users').set('Authorization', `Bearer ${member.token}`), 403, 'FORBIDDEN');
    expectError(await t.http.post('/api/users').set('Authorization', `Bearer ${member.token}`).send({ email: 'm@x.test', password: PASSWORD, role: 'member' }), 403, 'FORBIDDEN');
    expect((await t.http.get('/api/users').set('Authorization', `Bearer ${admin.token}`)).status).toBe(200);
    expectError(await t.http.post('/api/users').set('Authorization', `Bearer ${admin.token}`).send({ email: 'o@x.test', password: PASSWORD, role: 'owner' }), 403, 'FORBIDDEN');
    const me = (await t.http.get('/api/auth/me').set('Authorization', owner)).body.data.id;
    expectError(await t.http.patch(`/api/users/${me}`).set('Authorization', `Bearer ${admin.token}`).send({ role: 'member' }), 403, 'FORBIDDEN');
    expectError(await t.http.delete(`/api/users/${me}`).set('Authorization', `Bearer ${admin.token}`), 403, 'FORBIDDEN');
    expectError(await t.http.patch(`/api/users/${member.id}`).set('Authorization', `Bearer ${admin.token}`).send({ role: 'owner' }), 403, 'FORBIDDEN');
  });

  it('never removes or demotes the last owner', async () => {
    const fresh = await t.createTenant();
    const auth = `Bearer ${fresh.ownerToken}`;
    const me = (await t.http.get('/api/auth/me').set('Authorization', auth)).body.data.id;
    expectError(await t.http.patch(`/api/users/${me}`).set('Authorization', auth).send({ role: 'admin' }), 409, 'CONFLICT');
    expectError(await t.http.delete(`/api/users/${me}`).set('Authorization', auth), 409, 'CONFLICT');
    // With a second owner, one of them may step down, but not both at once.
    const second = await t.userToken(fresh, 'owner');
    const results = await Promise.all([
      t.http.patch(`/api/users/${me}`).set('Authorization', auth).send({ role: 'admin' }),
      t.http.patch(`/api/users/${second.id}`).set('Authorization', `Bearer ${second.token}`).send({ role: 'admin' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('cannot reach another tenant’s users', async () => {
    const other = await t.createTenant();
    const theirs = await t.userToken(other, 'member');
    expectError(await t.http.get(`/api/users/${theirs.id}`).set('Authorization', owner), 404, 'NOT_FOUND');
    expectError(await t.http.delete(`/api/users/${theirs.id}`).set('Authorization', owner), 404, 'NOT_FOUND');
    expectError(await t.http.get(`/api/users/${theirs.id}`).set('Authorization', owner).set('X-Tenant-ID', other.slug), 403, 'FORBIDDEN');
  });
});
