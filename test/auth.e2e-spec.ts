import { PASSWORD, PLATFORM_KEY, TenantFixture, TestApp, expectError } from './support/test-app';

describe('identity: login, refresh, logout, me (/api/auth)', () => {
  let t: TestApp;
  let tenant: TenantFixture;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant();
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (email: string, password: string, slug = tenant.slug) =>
    t.http.post('/api/auth/login').set('X-Tenant-ID', slug).send({ email, password });

  it('logs in with the tenant from X-Tenant-ID or the subdomain', async () => {
    const res = await login(tenant.ownerEmail, PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { email: tenant.ownerEmail, role: 'owner' } });
    expect(res.body.data.access_token.split('.')).toHaveLength(3);
    expect(res.body.data.refresh_token).toMatch(/^rt_/);
    expect(res.body.data.user.password_hash).toBeUndefined();
    const viaHost = await t.http.post('/api/auth/login').set('Host', `${tenant.slug}.localhost`).send({ email: tenant.ownerEmail.toUpperCase(), password: PASSWORD });
    expect(viaHost.status).toBe(200);
  });

  it('gives the same 401 for a wrong password and an unknown user', async () => {
    const wrong = await login(tenant.ownerEmail, 'wrong password!!');
    const unknown = await login(`nobody@${tenant.slug}.test`, 'wrong password!!');
    expectError(wrong, 401, 'UNAUTHORIZED');
    expectError(unknown, 401, 'UNAUTHORIZED');
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('needs a tenant, a known one, and valid input', async () => {
    expectError(await t.http.post('/api/auth/login').send({ email: tenant.ownerEmail, password: PASSWORD }), 400, 'INVALID_INPUT');
    expectError(await login(tenant.ownerEmail, PASSWORD, 'no-such-tenant'), 404, 'TENANT_NOT_FOUND');
    expectError(await login(tenant.ownerEmail, PASSWORD, 'NOT A SLUG'), 404, 'TENANT_NOT_FOUND');
    const bad = await login('not-an-email', '');
    expectError(bad, 400, 'INVALID_INPUT');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password']);
  });

  it('slows down repeated failures for one account (429 with Retry-After), not for others', async () => {
    const victim = await t.userToken(tenant, 'member');
    for (let i = 0; i < 5; i += 1) expectError(await login(victim.email, 'wrong password!!'), 401, 'UNAUTHORIZED');
    const locked = await login(victim.email, PASSWORD);
    expectError(locked, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await login(tenant.ownerEmail, PASSWORD)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await login(victim.email, PASSWORD)).status).toBe(200);
  });

  it('one account is one account for the lockout too: a spelling PostgreSQL lowercases alike (İ for i) neither logs in nor gets its own counter', async () => {
    const email = `kim${Date.now()}@${tenant.slug}.test`;
    await t.http.post('/api/users').set('Authorization', `Bearer ${tenant.ownerToken}`).send({ email, password: PASSWORD, role: 'member' }).expect(201);
    for (let i = 0; i < 5; i += 1) expectError(await login(email, 'wrong password!!'), 401, 'UNAUTHORIZED');
    expectError(await login(email, PASSWORD), 429, 'RATE_LIMIT_EXCEEDED');
    // U+0130 lowercases to "i" in PostgreSQL but to "i" + U+0307 in JavaScript: it is another address.
    const dotted = email.replace('kim', 'k\u0130m');
    expectError(await login(dotted, PASSWORD), 401, 'UNAUTHORIZED');
    // The same address in capitals shares the lock.
    expectError(await login(email.toUpperCase(), PASSWORD), 429, 'RATE_LIMIT_EXCEEDED');
  });

  it('a burst of parallel guesses gets the free attempts and one more, not all of them', async () => {
    const victim = await t.userToken(tenant, 'member');
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => login(victim.email, 'wrong password!!')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(14);
  });

  it('rotates refresh tokens and revokes the family when a used one is replayed', async () => {
    const first = (await login(tenant.ownerEmail, PASSWORD)).body.data;
    const refresh = (token: string) => t.http.post('/api/auth/refresh').set('X-Tenant-ID', tenant.slug).send({ refresh_token: token });

    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.data.refresh_token).not.toBe(first.refresh_token);
    expect((await t.http.get('/api/auth/me').set('Authorization', `Bearer ${second.body.data.access_token}`)).status).toBe(200);

    // Replaying the spent token: refused, and the token issued from it dies too.
    expectError(await refresh(first.refresh_token), 401, 'UNAUTHORIZED');
    expectError(await refresh(second.body.data.refresh_token), 401, 'UNAUTHORIZED');

    // Another session of the same user is untouched.
    const other = (await login(tenant.ownerEmail, PASSWORD)).body.data;
    expect((await refresh(other.refresh_token)).status).toBe(200);
    expectError(await refresh('rt_garbage-token-value'), 401, 'UNAUTHORIZED');
    expectError(await t.http.post('/api/auth/refresh').set('X-Tenant-ID', tenant.slug).send({}), 400, 'INVALID_INPUT');
  });

  it('a replay racing the rotation it detects still ends the whole session (and so does a logout racing a refresh)', async () => {
    const refresh = (token: string) => t.http.post('/api/auth/refresh').set('X-Tenant-ID', tenant.slug).send({ refresh_token: token });
    const logout = (token: string) => t.http.post('/api/auth/logout').set('X-Tenant-ID', tenant.slug).send({ refresh_token: token });
    for (let round = 0; round < 8; round++) {
      // A thief rotates with T2 while the victim replays the spent T1: whichever runs first, T3 must not live on.
      const t1 = (await login(tenant.ownerEmail, PASSWORD)).body.data.refresh_token;
      const t2 = (await refresh(t1)).body.data.refresh_token;
      const [rotated, replayed] = await Promise.all([refresh(t2), refresh(t1)]);
      expectError(replayed, 401, 'UNAUTHORIZED');
      if (rotated.status === 200) expectError(await refresh(rotated.body.data.refresh_token), 401, 'UNAUTHORIZED');

      const session = (await login(tenant.ownerEmail, PASSWORD)).body.data.refresh_token;
      const [renewed, out] = await Promise.all([refresh(session), logout(session)]);
      expect(out.status).toBe(200);
      if (renewed.status === 200) expectError(await refresh(renewed.body.data.refresh_token), 401, 'UNAUTHORIZED');
    }
  });

  it('a refresh token only works in its own tenant', async () => {
    const other = await t.createTenant();
    expectError(
      await t.http.post('/api/auth/refresh').set('X-Tenant-ID', other.slug).send({ refresh_token: tenant.refreshToken }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('logout revokes the refresh token', async () => {
    const session = (await login(tenant.ownerEmail, PASSWORD)).body.data;
    const out = await t.http.post('/api/auth/logout').set('X-Tenant-ID', tenant.slug).send({ refresh_token: session.refresh_token });
    expect(out.status).toBe(200);
    expectError(await t.http.post('/api/auth/refresh').set('X-Tenant-ID', tenant.slug).send({ refresh_token: session.refresh_token }), 401, 'UNAUTHORIZED');
  });

  it('me: the user behind a token, with its tenant', async () => {
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`);
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ type: 'user', role: 'owner', user: { email: tenant.ownerEmail }, tenant: { slug: tenant.slug, plan: 'team' } });
    expectError(await t.http.get('/api/auth/me'), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/auth/me').set('X-Tenant-ID', tenant.slug), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/auth/me').set('Authorization', 'Bearer not.a.jwt'), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.refreshToken}`), 401, 'UNAUTHORIZED');
  });

  it('a deleted user’s token stops working at once', async () => {
    const member = await t.userToken(tenant, 'member');
    expect((await t.http.get('/api/auth/me').set('Authorization', `Bearer ${member.token}`)).status).toBe(200);
    await t.http.delete(`/api/users/${member.id}`).set('Authorization', `Bearer ${tenant.ownerToken}`).expect(200);
    expectError(await t.http.get('/api/auth/me').set('Authorization', `Bearer ${member.token}`), 401, 'UNAUTHORIZED');
  });

  it('tokens signed with another secret are refused', async () => {
    const other = await TestApp.start({ JWT_SECRET: 'another-secret-that-is-long-enough-987654' });
    try {
      await other.http
        .post('/api/tenants')
        .set('X-Platform-Key', PLATFORM_KEY)
        .send({ slug: tenant.slug, name: 'Twin', plan: 'team', admin_email: tenant.ownerEmail, admin_password: PASSWORD })
        .expect(201);
      expectError(await other.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`), 401, 'UNAUTHORIZED');
    } finally {
      await other.close();
    }
  });
});
