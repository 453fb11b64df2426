import { DataSource } from 'typeorm';
import type { Response } from 'supertest';
import { PASSWORD, PLATFORM_KEY, TenantFixture, TestApp, expectError, uniqueSlug } from './support/test-app';

/**
 * Tenant isolation (issue 2, design.md section 2): two tenants holding identically named resources
 * see only their own, a credential never crosses to another tenant, and a pooled connection used by
 * one tenant then the other never shows the first one's rows.
 */

const SHARED_EMAILS = ['ada@example.test', 'grace@example.test'];
const SHARED_KEY_NAME = 'ci-deploy';

interface Side {
  tenant: TenantFixture;
  owner: string;
  /** Users with the same emails (and names) in both tenants, each with its own password. */
  shared: Array<{ id: string; email: string; token: string }>;
  /** A user that exists only here: its email must never appear in the other tenant's answers. */
  marker: { id: string; email: string };
  key: { id: string; key: string };
  password: string;
  /** Every user id and email of the tenant. */
  userIds: Set<string>;
  emails: Set<string>;
}

describe('tenant isolation', () => {
  let t: TestApp;
  let a: Side;
  let b: Side;

  async function side(label: string): Promise<Side> {
    // enterprise: 1,000 requests per minute, room for the concurrency storm below.
    const tenant = await t.createTenant(uniqueSlug(label), 'enterprise');
    const owner = `Bearer ${tenant.ownerToken}`;
    const password = `${PASSWORD} of ${label}`;
    const shared: Side['shared'] = [];
    for (const [i, email] of SHARED_EMAILS.entries()) {
      const created = await t.http
        .post('/api/users')
        .set('Authorization', owner)
        .send({ email, password, role: i === 0 ? 'admin' : 'member', name: 'Same Name' });
      expect(created.status).toBe(201);
      const login = await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email, password });
      expect(login.status).toBe(200);
      shared.push({ id: created.body.data.id, email, token: login.body.data.access_token });
    }
    const markerEmail = `only-${tenant.slug}@example.test`;
    const marker = await t.http.post('/api/users').set('Authorization', owner).send({ email: markerEmail, password, role: 'member' });
    expect(marker.status).toBe(201);
    const key = await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: SHARED_KEY_NAME, role: 'admin' });
    expect(key.status).toBe(201);
    const meRes = await t.http.get('/api/auth/me').set('Authorization', owner);
    const ownerId: string = meRes.body.data.id;
    return {
      tenant,
      owner,
      shared,
      marker: { id: marker.body.data.id, email: markerEmail },
      key: { id: key.body.data.id, key: key.body.data.key },
      password,
      userIds: new Set([ownerId, ...shared.map((u) => u.id), marker.body.data.id]),
      emails: new Set([tenant.ownerEmail, ...SHARED_EMAILS, markerEmail]),
    };
  }

  beforeAll(async () => {
    // A small pool, so that the same connections serve both tenants over and over.
    t = await TestApp.start({ DB_POOL_SIZE: '3' });
    a = await side('iso-a');
    b = await side('iso-b');
  });
  afterAll(async () => {
    await t?.close();
  });

  const listUsers = (auth: { header: string; value: string }) => t.http.get('/api/users?limit=100').set(auth.header, auth.value);
  const asOwner = (s: Side) => ({ header: 'Authorization', value: s.owner });
  const asKey = (s: Side) => ({ header: 'X-API-Key', value: s.key.key });

  function expectOnlyOwnUsers(res: Response, own: Side, other: Side): void {
    expect(res.status).toBe(200);
    const rows: Array<{ id: string; email: string }> = res.body.data;
    expect(new Set(rows.map((u) => u.id))).toEqual(own.userIds);
    expect(rows.every((u) => own.emails.has(u.email))).toBe(true);
    expect(rows.some((u) => other.userIds.has(u.id) || u.email === other.marker.email)).toBe(false);
    expect(res.body.pagination.total).toBe(own.userIds.size);
  }

  describe('identically named resources', () => {
    it('the shared emails are distinct users with distinct passwords in each tenant', () => {
      expect(a.shared.map((u) => u.email)).toEqual(b.shared.map((u) => u.email));
      for (const [i, user] of a.shared.entries()) expect(user.id).not.toBe(b.shared[i].id);
    });

    it('lists show only the tenant’s own users and keys, with JWT and API key alike', async () => {
      for (const [own, other] of [
        [a, b],
        [b, a],
      ]) {
        expectOnlyOwnUsers(await listUsers(asOwner(own)), own, other);
        expectOnlyOwnUsers(await listUsers(asKey(own)), own, other);
        const searched = await t.http.get(`/api/users?q=${encodeURIComponent('example.test')}`).set('Authorization', own.owner);
        expect(searched.body.data.map((u: { id: string }) => u.id).every((id: string) => own.userIds.has(id))).toBe(true);
        expect(searched.body.data.map((u: { email: string }) => u.email)).not.toContain(other.marker.email);

        const keys = await t.http.get('/api/api-keys').set('Authorization', own.owner);
        expect(keys.status).toBe(200);
        expect(keys.body.data.map((k: { id: string; name: string }) => [k.id, k.name])).toEqual([[own.key.id, SHARED_KEY_NAME]]);
        expect(keys.body.pagination.total).toBe(1);
      }
    });

    it('me answers for the caller of its own tenant, even for the same email', async () => {
      for (const s of [a, b]) {
        for (const user of s.shared) {
          const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${user.token}`);
          expect(me.status).toBe(200);
          expect(me.body.data).toMatchObject({ type: 'user', id: user.id, user: { id: user.id, email: user.email }, tenant: { slug: s.tenant.slug } });
        }
        const viaKey = await t.http.get('/api/auth/me').set('X-API-Key', s.key.key);
        expect(viaKey.body.data).toMatchObject({ type: 'api_key', id: s.key.id, tenant: { slug: s.tenant.slug } });
      }
    });

    it('another tenant’s ids are 404 (never 200) for get, update and delete, and nothing changes there', async () => {
      for (const [own, other] of [
        [a, b],
        [b, a],
      ]) {
        for (const id of [other.marker.id, ...other.shared.map((u) => u.id)]) {
          for (const auth of [asOwner(own), asKey(own)]) {
            expectError(await t.http.get(`/api/users/${id}`).set(auth.header, auth.value), 404, 'NOT_FOUND');
            expectError(await t.http.patch(`/api/users/${id}`).set(auth.header, auth.value).send({ name: 'hijacked' }), 404, 'NOT_FOUND');
            expectError(await t.http.delete(`/api/users/${id}`).set(auth.header, auth.value), 404, 'NOT_FOUND');
          }
        }
        expectError(await t.http.delete(`/api/api-keys/${other.key.id}`).set('Authorization', own.owner), 404, 'NOT_FOUND');
      }
      for (const s of [a, b]) {
        // Still there, unchanged, and the key still works.
        expectOnlyOwnUsers(await listUsers(asKey(s)), s, s === a ? b : a);
        const marker = await t.http.get(`/api/users/${s.marker.id}`).set('Authorization', s.owner);
        expect(marker.status).toBe(200);
        expect(marker.body.data.name).toBeNull();
        expect((await t.http.get(`/api/users/${s.shared[0].id}`).set('Authorization', s.owner)).body.data.name).toBe('Same Name');
      }
    });

    it('a password of one tenant does not log in to the same email in the other', async () => {
      const email = SHARED_EMAILS[1];
      expectError(await t.http.post('/api/auth/login').set('X-Tenant-ID', b.tenant.slug).send({ email, password: a.password }), 401, 'UNAUTHORIZED');
      expectError(
        await t.http.post('/api/auth/login').set('X-Tenant-ID', b.tenant.slug).send({ email: a.marker.email, password: a.password }),
        401,
        'UNAUTHORIZED',
      );
      const own = await t.http.post('/api/auth/login').set('X-Tenant-ID', b.tenant.slug).send({ email, password: b.password });
      expect(own.status).toBe(200);
      expect(own.body.data.user.id).toBe(b.shared[1].id);
    });
  });

  describe('credentials never cross tenants', () => {
    /** The parts of a refusal that could reveal anything: status, error, rate-limit headers. */
    const visible = (res: Response) => ({
      status: res.status,
      error: res.body.error,
      headers: Object.keys(res.headers).filter((h) => h.startsWith('x-ratelimit') || h === 'retry-after'),
    });

    it('A’s JWT or API key on B’s host or with B’s X-Tenant-ID: 403, the same answer as for a tenant that does not exist', async () => {
      const missing = uniqueSlug('nobody');
      const credentials = [
        ['Authorization', a.owner],
        ['Authorization', `Bearer ${a.shared[0].token}`],
        ['X-API-Key', a.key.key],
      ];
      for (const [header, value] of credentials) {
        for (const path of ['/api/auth/me', '/api/users', `/api/users/${b.marker.id}`, '/api/api-keys']) {
          const viaHost = (slug: string) => t.http.get(path).set(header, value).set('Host', `${slug}.localhost`);
          const viaHeader = (slug: string) => t.http.get(path).set(header, value).set('X-Tenant-ID', slug);
          for (const via of [viaHost, viaHeader]) {
            const onB = await via(b.tenant.slug);
            const onMissing = await via(missing);
            expectError(onB, 403, 'FORBIDDEN');
            expect(visible(onB)).toEqual(visible(onMissing));
            expect(JSON.stringify(onB.body)).not.toContain(b.tenant.slug);
            expect(JSON.stringify(onB.body)).not.toContain(b.marker.email);
          }
        }
      }
      // A write with a foreign tenant named is refused just the same, and creates nothing.
      const write = await t.http.post('/api/users').set('X-API-Key', a.key.key).set('X-Tenant-ID', b.tenant.slug).send({
        email: 'intruder@example.test',
        password: PASSWORD,
        role: 'member',
      });
      expectError(write, 403, 'FORBIDDEN');
      for (const s of [a, b]) {
        const found = await t.http.get('/api/users?q=intruder').set('Authorization', s.owner);
        expect(found.body.data).toEqual([]);
      }
    });

    it('the host and X-Tenant-ID must agree', async () => {
      const res = await t.http.get('/api/auth/me').set('Authorization', a.owner).set('Host', `${a.tenant.slug}.localhost`).set('X-Tenant-ID', b.tenant.slug);
      expectError(res, 403, 'FORBIDDEN');
      const login = await t.http
        .post('/api/auth/login')
        .set('Host', `${a.tenant.slug}.localhost`)
        .set('X-Tenant-ID', b.tenant.slug)
        .send({ email: a.tenant.ownerEmail, password: PASSWORD });
      expectError(login, 403, 'FORBIDDEN');
    });

    it('A’s refresh token is refused on B', async () => {
      const refreshed = await t.http.post('/api/auth/refresh').set('X-Tenant-ID', b.tenant.slug).send({ refresh_token: a.tenant.refreshToken });
      expectError(refreshed, 401, 'UNAUTHORIZED');
    });
  });

  describe('unknown and suspended tenants', () => {
    it('an unknown tenant slug is 404 TENANT_NOT_FOUND', async () => {
      const missing = uniqueSlug('ghost');
      const login = { email: a.tenant.ownerEmail, password: PASSWORD };
      expectError(await t.http.post('/api/auth/login').set('X-Tenant-ID', missing).send(login), 404, 'TENANT_NOT_FOUND');
      expectError(await t.http.post('/api/auth/login').set('Host', `${missing}.localhost`).send(login), 404, 'TENANT_NOT_FOUND');
      expectError(await t.http.post('/api/auth/login').set('X-Tenant-ID', 'Not A Slug!').send(login), 404, 'TENANT_NOT_FOUND');
      expectError(await t.http.get('/api/users').set('X-Tenant-ID', missing), 404, 'TENANT_NOT_FOUND');
    });

    it('a suspended tenant is 403 FORBIDDEN for every credential and for login; the other tenant carries on', async () => {
      const c = await side('iso-c');
      const suspend = await t.http.patch(`/api/tenants/${c.tenant.slug}`).set('X-Platform-Key', PLATFORM_KEY).send({ status: 'suspended' });
      expect(suspend.status).toBe(200);
      try {
        expectError(await t.http.get('/api/auth/me').set('Authorization', c.owner), 403, 'FORBIDDEN');
        expectError(await t.http.get('/api/users').set('X-API-Key', c.key.key), 403, 'FORBIDDEN');
        expectError(
          await t.http.post('/api/auth/login').set('X-Tenant-ID', c.tenant.slug).send({ email: c.tenant.ownerEmail, password: PASSWORD }),
          403,
          'FORBIDDEN',
        );
        expectError(await t.http.post('/api/auth/refresh').set('X-Tenant-ID', c.tenant.slug).send({ refresh_token: c.tenant.refreshToken }), 403, 'FORBIDDEN');
        expectOnlyOwnUsers(await listUsers(asOwner(a)), a, c);
      } finally {
        await t.http.patch(`/api/tenants/${c.tenant.slug}`).set('X-Platform-Key', PLATFORM_KEY).send({ status: 'active' });
      }
      expect((await t.http.get('/api/auth/me').set('Authorization', c.owner)).status).toBe(200);
    });
  });

  describe('one pool for all tenants', () => {
    it('300 interleaved concurrent requests of both tenants each see only their own tenant', async () => {
      interface Probe {
        side: Side;
        other: Side;
        send: () => Promise<Response>;
        check: (res: Response) => void;
      }
      const probes = (own: Side, other: Side): Probe[] => [
        { side: own, other, send: () => listUsers(asOwner(own)), check: (res) => expectOnlyOwnUsers(res, own, other) },
        { side: own, other, send: () => listUsers(asKey(own)), check: (res) => expectOnlyOwnUsers(res, own, other) },
        ...own.shared.map((user) => ({
          side: own,
          other,
          send: () => t.http.get('/api/auth/me').set('Authorization', `Bearer ${user.token}`),
          check: (res: Response) => {
            expect(res.status).toBe(200);
            expect(res.body.data).toMatchObject({ id: user.id, user: { id: user.id, email: user.email }, tenant: { slug: own.tenant.slug } });
          },
        })),
        {
          side: own,
          other,
          send: () => t.http.get('/api/auth/me').set('X-API-Key', own.key.key),
          check: (res: Response) => {
            expect(res.status).toBe(200);
            expect(res.body.data).toMatchObject({ type: 'api_key', id: own.key.id, tenant: { slug: own.tenant.slug } });
          },
        },
      ];
      const ofA = probes(a, b);
      const ofB = probes(b, a);
      // A, B, A, B… cycling through each tenant's probes.
      const sequence = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? ofA : ofB)[Math.floor(i / 2) % ofA.length]);
      let wrong = 0;
      for (let start = 0; start < sequence.length; start += 50) {
        const batch = sequence.slice(start, start + 50);
        const responses = await Promise.all(batch.map((probe) => probe.send()));
        responses.forEach((res, i) => {
          const { side: own, other } = batch[i];
          const body = JSON.stringify(res.body);
          if (body.includes(other.marker.email) || [...other.userIds].some((id) => body.includes(id))) wrong += 1;
          batch[i].check(res);
          expect(body).not.toContain(own === a ? b.tenant.slug : a.tenant.slug);
        });
      }
      expect(wrong).toBe(0);
    });

    it('interleaved concurrent writes land in their own tenant only', async () => {
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const own = i % 2 === 0 ? a : b;
          // The same email goes to both tenants.
          const email = `burst-${Math.floor(i / 2)}@example.test`;
          return t.http
            .post('/api/users')
            .set('Authorization', own.owner)
            .send({ email, password: PASSWORD, role: 'member' })
            .then((res) => ({ own, res }));
        }),
      );
      for (const { own, res } of created) {
        expect(res.status).toBe(201);
        own.userIds.add(res.body.data.id);
        own.emails.add(res.body.data.email);
      }
      expectOnlyOwnUsers(await listUsers(asOwner(a)), a, b);
      expectOnlyOwnUsers(await listUsers(asOwner(b)), b, a);

      // And in the schemas themselves.
      const db = t.app.get(DataSource);
      for (const s of [a, b]) {
        const schema = `tenant_${s.tenant.slug.replace(/-/g, '_')}`;
        const rows: Array<{ id: string }> = await db.query(`SELECT id FROM "${schema}".users`);
        expect(new Set(rows.map((r) => r.id))).toEqual(s.userIds);
      }
    });

    it('leaves no tenant search_path on the pooled connections', async () => {
      const db = t.app.get(DataSource);
      const paths: Array<Array<{ search_path: string }>> = await Promise.all(Array.from({ length: 12 }, () => db.query('SHOW search_path')));
      for (const [row] of paths) expect(row.search_path).not.toMatch(/tenant_/);
      // A tenant table is unreachable outside a unit of work.
      await expect(db.query('SELECT 1 FROM users LIMIT 1')).rejects.toThrow(/users/);
    });
  });
});
