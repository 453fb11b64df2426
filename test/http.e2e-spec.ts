import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Logger } from '@nestjs/common';
import type request from 'supertest';
import { DataSource, QueryRunner } from 'typeorm';
import { PLATFORM_KEY, TenantFixture, TestApp, expectError } from './support/test-app';

// design.md section 3 and the "HTTP conventions" part of issue 2, checked against the real app.

const redisUrl = process.env.TEST_REDIS_URL;
const GENERATED_ID = /^req_[A-Za-z0-9_-]{16}$/;
const NO_SUCH_UUID = '00000000-0000-4000-8000-000000000000';

/** JSON walked without a schema (response bodies, the OpenAPI document), as supertest types `res.body`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Nothing an error body says may reveal internals: no stack frames, file paths, SQL or driver errors. */
function expectNoInternals(res: request.Response): void {
  const text = res.text;
  expect(text).not.toMatch(/\bat \S+ \(|\.(ts|js):\d+|node_modules|\/src\/|"stack"/);
  expect(text).not.toMatch(/\b(SELECT|INSERT INTO|UPDATE \S+ SET|DELETE FROM)\b|relation "|duplicate key|violates|QueryFailedError|syntax error at/i);
  expect(text).not.toMatch(/Unexpected token|in JSON at position|SyntaxError/);
}

/** The error envelope, with the request id in header and meta agreeing, and no internals. */
function fails(res: request.Response, status: number, code: string): void {
  expectError(res, status, code);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'meta', 'success']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(typeof res.body.error.details).toBe('object');
  expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
  expect(new Date(res.body.meta.timestamp).toISOString()).toBe(res.body.meta.timestamp);
  expectNoInternals(res);
}

function fieldNames(res: request.Response): string[] {
  return (res.body.error.details.fields as Array<{ field: string; errors: string[] }>).map((f) => {
    expect(f.errors.length).toBeGreaterThan(0);
    return f.field;
  });
}

/** A raw request on a real socket: supertest re-encodes Buffer bodies, which a gzip body cannot survive. */
async function rawRequest(t: TestApp, method: string, path: string, headers: Record<string, string | number>, body: Buffer) {
  const server = t.app.getHttpServer() as http.Server;
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Json }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expectHelmet(res: request.Response): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
  expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  expect(res.headers['content-security-policy']).toContain("object-src 'none'");
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('HTTP conventions (default configuration)', () => {
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

  describe('success envelope', () => {
    it('wraps a single result in {success, data, meta: {timestamp, request_id}}', async () => {
      const res = await t.http.get('/api/auth/me').set('Authorization', owner);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'meta', 'success']);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toMatchObject({ type: 'user', role: 'owner', tenant: { slug: tenant.slug } });
      expect(Object.keys(res.body.meta).sort()).toEqual(['request_id', 'timestamp']);
      expect(new Date(res.body.meta.timestamp).toISOString()).toBe(res.body.meta.timestamp);
      expect(Math.abs(Date.parse(res.body.meta.timestamp) - Date.now())).toBeLessThan(60_000);
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
      expect(res.body.meta.request_id).toMatch(GENERATED_ID);
    });

    it('puts pagination {page, limit, total, pages} beside data on lists', async () => {
      await t.userToken(tenant, 'member');
      await t.userToken(tenant, 'admin');
      const res = await t.http.get('/api/users?limit=2').set('Authorization', owner);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'meta', 'pagination', 'success']);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toHaveLength(2);
      expect(res.body.pagination).toEqual({ page: 1, limit: 2, total: 3, pages: 2 });
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
      const second = await t.http.get('/api/users?limit=2&page=2').set('Authorization', owner);
      expect(second.body).toMatchObject({ success: true, pagination: { page: 2, limit: 2, total: 3, pages: 2 } });
      expect(second.body.data).toHaveLength(1);
      const defaults = await t.http.get('/api/users').set('Authorization', owner);
      expect(defaults.body.pagination).toEqual({ page: 1, limit: 20, total: 3, pages: 1 });
    });

    it('a 201 and a null result are wrapped too', async () => {
      const created = await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: 'envelope', role: 'member' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ success: true, data: { name: 'envelope' }, meta: { request_id: created.headers['x-request-id'] } });
      const login = await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: 'correct horse battery staple' });
      const logout = await t.http.post('/api/auth/logout').set('X-Tenant-ID', tenant.slug).send({ refresh_token: login.body.data.refresh_token });
      expect(logout.status).toBe(200);
      expect(logout.body).toEqual({ success: true, data: null, meta: { timestamp: expect.any(String), request_id: logout.headers['x-request-id'] } });
    });
  });

  describe('X-Request-ID', () => {
    it.each(['abc-123', 'trace.id:span_7', 'A', 'x'.repeat(128)])('keeps the sane incoming id %j in the header and meta', async (incoming) => {
      const res = await t.http.get('/api/auth/me').set('Authorization', owner).set('X-Request-ID', incoming);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe(incoming);
      expect(res.body.meta.request_id).toBe(incoming);
    });

    it('keeps it on errors too: 404, malformed JSON, validation', async () => {
      const notFound = await t.http.get('/api/nope').set('X-Request-ID', 'trace-404');
      fails(notFound, 404, 'NOT_FOUND');
      expect(notFound.body.meta.request_id).toBe('trace-404');
      const malformed = await t.http.post('/api/auth/login').set('X-Request-ID', 'trace-400').set('Content-Type', 'application/json').send('{');
      fails(malformed, 400, 'INVALID_INPUT');
      expect(malformed.body.meta.request_id).toBe('trace-400');
      const invalid = await t.http.post('/api/users').set('Authorization', owner).set('X-Request-ID', 'trace-val').send({});
      fails(invalid, 400, 'INVALID_INPUT');
      expect(invalid.body.meta.request_id).toBe('trace-val');
    });

    it.each([
      ['contains spaces', 'has spaces in it'],
      ['contains a slash', 'a/b'],
      ['contains markup', '<script>alert(1)</script>'],
      ['is 129 characters long', 'x'.repeat(129)],
      ['is 4 kB long', 'y'.repeat(4096)],
      ['is empty', ''],
    ])('replaces an id that %s with a generated req_ id', async (_label, incoming) => {
      const res = await t.http.get('/api/auth/me').set('Authorization', owner).set('X-Request-ID', incoming);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toMatch(GENERATED_ID);
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
    });

    it('generates a fresh id for every request without one, also for pages outside the envelope', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await t.http.get('/api/health')).headers['x-request-id']);
      expect(ids.size).toBe(5);
      for (const id of ids) expect(id).toMatch(GENERATED_ID);
      expect((await t.http.get('/api/openapi.json')).headers['x-request-id']).toMatch(GENERATED_ID);
      expect((await t.http.get('/api/docs/')).headers['x-request-id']).toMatch(GENERATED_ID);
    });
  });

  describe('/api/v1 alias', () => {
    it('reaches the same handlers as /api, in the same envelope', async () => {
      const plain = await t.http.get('/api/auth/me').set('Authorization', owner);
      const versioned = await t.http.get('/api/v1/auth/me').set('Authorization', owner).set('X-Request-ID', 'v1-call');
      expect(versioned.status).toBe(200);
      expect(versioned.body).toEqual({ ...plain.body, meta: { timestamp: expect.any(String), request_id: 'v1-call' } });
      const list = await t.http.get('/api/v1/users?limit=1').set('Authorization', owner);
      expect(list.status).toBe(200);
      expect(list.body.pagination).toMatchObject({ page: 1, limit: 1 });
      const login = await t.http.post('/api/v1/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: tenant.ownerEmail, password: 'correct horse battery staple' });
      expect(login.status).toBe(200);
      expect((await t.http.get('/api/v1/health')).status).toBe(200);
    });

    it('answers errors the same way under /api/v1', async () => {
      fails(await t.http.get('/api/v1/users'), 401, 'UNAUTHORIZED');
      fails(await t.http.get('/api/v1/users/not-a-uuid').set('Authorization', owner), 400, 'INVALID_INPUT');
      fails(await t.http.get(`/api/v1/users/${NO_SUCH_UUID}`).set('Authorization', owner), 404, 'NOT_FOUND');
    });

    it('is the only alias: no /api/v2, no /v1 without /api, no /api/v1/v1', async () => {
      for (const path of ['/api/v2/auth/me', '/v1/auth/me', '/api/v1/v1/auth/me', '/api/v0/auth/me']) {
        const res = await t.http.get(path).set('Authorization', owner);
        fails(res, 404, 'NOT_FOUND');
      }
    });
  });

  describe('unknown routes', () => {
    it.each([
      ['GET', '/api/does-not-exist'],
      ['GET', '/api/users/x/y/z'],
      ['POST', '/api/nothing'],
      ['DELETE', '/api/auth'],
      ['PUT', '/api/auth/me'],
      ['GET', '/nothing-here'],
      ['GET', '/'],
      ['GET', '/api'],
      ['GET', '/api/metrics'],
      ['GET', '/api/docs/nope.js'],
    ])('%s %s is 404 NOT_FOUND in the error envelope', async (method, path) => {
      const res = await t.http[method.toLowerCase() as 'get'](path).set('Authorization', owner);
      fails(res, 404, 'NOT_FOUND');
      expect(res.body.error.message).toBe('Route not found');
      expect(res.body.error.details).toEqual({});
      expectHelmet(res);
    });

    it('answers an unknown route the same with no credentials (no 401 first)', async () => {
      fails(await t.http.get('/api/does-not-exist'), 404, 'NOT_FOUND');
    });

    it('answers an undecodable path with 400, not a crash', async () => {
      fails(await t.http.get('/api/users/%E0%A4%A').set('Authorization', owner), 400, 'INVALID_INPUT');
    });
  });

  describe('request bodies', () => {
    it.each([
      ['truncated JSON', '{"email": "a@b.cd", '],
      ['a lone brace', '{'],
      ['single quotes', "{'email': 'a@b.cd'}"],
      ['a trailing comma', '{"email": "a@b.cd",}'],
      ['a bare string (strict JSON bodies)', '"hello"'],
      ['a bare number', '42'],
    ])('%s is 400 INVALID_INPUT "Malformed JSON body", no parser message', async (_label, body) => {
      const res = await t.http.post('/api/users').set('Authorization', owner).set('Content-Type', 'application/json').send(body);
      fails(res, 400, 'INVALID_INPUT');
      expect(res.body.error.message).toBe('Malformed JSON body');
      expectHelmet(res);
    });

    it('text holding the NUL character (\\u0000) or an unpaired surrogate, which PostgreSQL cannot store, is 400 naming each field; nothing is created', async () => {
      const agentCount = async () => (await t.http.get('/api/agents').set('Authorization', owner).expect(200)).body.pagination.total as number;
      const before = await agentCount();
      expect(typeof before).toBe('number');
      const res = await t.http
        .post('/api/agents')
        .set('Authorization', owner)
        .send({ name: 'Nul\u0000agent', role: 'Tester', config: { notes: ['fine', 'bad\u0000'], ['k\u0000']: 1 } });
      fails(res, 400, 'INVALID_INPUT');
      expect(fieldNames(res)).toEqual(['config.k\\u0000', 'config.notes[1]', 'name']);
      expect(await agentCount()).toBe(before);

      // An unpaired surrogate (\ud800 in JSON) is refused the same way: jsonb would reject it, text would alter it.
      const lone = await t.http.post('/api/agents').set('Authorization', owner).set('Content-Type', 'application/json').send('{"name":"Lone \\ud800","role":"Tester"}');
      fails(lone, 400, 'INVALID_INPUT');
      expect(fieldNames(lone)).toEqual(['name']);

      const query = await t.http.get('/api/agents?q=%00').set('Authorization', owner);
      fails(query, 400, 'INVALID_INPUT');
      expect(fieldNames(query)).toEqual(['q']);
      // Also on an open route, before anything is looked up.
      const login = await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email: 'a\u0000@example.com', password: 'whatever it is' });
      fails(login, 400, 'INVALID_INPUT');
      expect(fieldNames(login)).toEqual(['email']);
    });

    it.each([
      ['a URL over the header size limit', 431, `GET /api/agents?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 'too large'],
      ['a malformed request line', 400, 'NOT AN HTTP REQUEST\r\n\r\n', 'Malformed HTTP request'],
    ])('%s, refused by the HTTP parser before the app, is answered %i in the envelope', async (_label, status, raw, message) => {
      const server = t.app.getHttpServer() as http.Server;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.end(raw));
        let text = '';
        socket.setEncoding('utf8').on('data', (piece: string) => (text += piece));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      const requestId = /x-request-id: (\S+)/i.exec(head)?.[1];
      expect(requestId).toMatch(GENERATED_ID);
      const parsed = JSON.parse(body);
      expect(parsed).toEqual({ success: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining(message), details: {} }, meta: { timestamp: expect.any(String), request_id: requestId } });
    });

    it('malformed JSON on an open route is the same 400', async () => {
      const res = await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).set('Content-Type', 'application/json').send('{"email":');
      fails(res, 400, 'INVALID_INPUT');
      expect(res.body.error.message).toBe('Malformed JSON body');
    });

    it('a body over the configured limit (BODY_LIMIT, default 1mb) is 413 PAYLOAD_TOO_LARGE and creates nothing', async () => {
      expect(t.config.bodyLimit).toBe('1mb');
      const email = 'huge@example.com';
      const huge = { email, password: 'long enough password', role: 'member', name: 'x'.repeat(1024 * 1024) };
      const res = await t.http.post('/api/users').set('Authorization', owner).send(huge);
      fails(res, 413, 'PAYLOAD_TOO_LARGE');
      expectHelmet(res);
      const users = await t.http.get('/api/users?limit=100').set('Authorization', owner);
      expect(users.body.data.map((u: { email: string }) => u.email)).not.toContain(email);
      // Just under the limit the body is parsed and judged on its fields instead.
      const under = await t.http.post('/api/users').set('Authorization', owner).send({ ...huge, name: 'x'.repeat(1024 * 1000) });
      fails(under, 400, 'INVALID_INPUT');
    });

    it('a gzip body that inflates past the limit is 413 too', async () => {
      const bomb = gzipSync(Buffer.from(JSON.stringify({ name: 'x'.repeat(4 * 1024 * 1024) })));
      expect(bomb.length).toBeLessThan(10_000);
      const res = await rawRequest(t, 'POST', '/api/users', { Authorization: owner, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, bomb);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
    });

    it('an unknown field is 400 INVALID_INPUT naming it in details.fields', async () => {
      const res = await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: 'k', role: 'member', admin: true });
      fails(res, 400, 'INVALID_INPUT');
      expect(fieldNames(res)).toEqual(['admin']);
      expect(res.body.error.message).toContain('admin');
    });

    it('a wrong type is 400 INVALID_INPUT naming the field', async () => {
      const res = await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: 42, role: 'member' });
      fails(res, 400, 'INVALID_INPUT');
      expect(fieldNames(res)).toEqual(['name']);
      const array = await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: ['k'], role: 'member', expires_at: 5 });
      fails(array, 400, 'INVALID_INPUT');
      expect(fieldNames(array).sort()).toEqual(['expires_at', 'name']);
    });

    it('lists every bad field once, each with its messages', async () => {
      const res = await t.http.post('/api/users').set('Authorization', owner).send({ email: 'not-an-email', password: 'short', role: 'king', extra: 1 });
      fails(res, 400, 'INVALID_INPUT');
      expect(fieldNames(res).sort()).toEqual(['email', 'extra', 'password', 'role']);
      const empty = await t.http.post('/api/users').set('Authorization', owner).send({});
      fails(empty, 400, 'INVALID_INPUT');
      expect(fieldNames(empty)).toEqual(expect.arrayContaining(['email', 'password']));
    });

    it('an array body or a text body does not crash the route', async () => {
      fails(await t.http.post('/api/users').set('Authorization', owner).send([{ email: 'a@b.cd' }]), 400, 'INVALID_INPUT');
      fails(await t.http.post('/api/users').set('Authorization', owner).set('Content-Type', 'text/plain').send('hello'), 400, 'INVALID_INPUT');
    });

    it('query parameters are validated the same way', async () => {
      const res = await t.http.get('/api/users?limit=abc&colour=red').set('Authorization', owner);
      fails(res, 400, 'INVALID_INPUT');
      expect(fieldNames(res).sort()).toEqual(['colour', 'limit']);
      fails(await t.http.get('/api/users?limit=101').set('Authorization', owner), 400, 'INVALID_INPUT');
      fails(await t.http.get('/api/users?sort=password_hash').set('Authorization', owner), 400, 'INVALID_INPUT');
    });

    it('page and limit are plain decimal integers on every list (shared parsing): anything Number() would stretch to one is 400', async () => {
      for (const route of ['/api/users', '/api/agents', '/api/api-keys', '/api/webhooks']) {
        for (const raw of ['0x10', '1e3', '%2B1', '%201', '100.0', '50%20', '1e1', '', '1_0']) {
          for (const field of ['page', 'limit']) {
            const res = await t.http.get(`${route}?${field}=${raw}`).set('Authorization', owner);
            fails(res, 400, 'INVALID_INPUT');
            expect(res.body.error.details.fields).toEqual([{ field, errors: [expect.stringContaining('decimal digits')] }]);
          }
        }
        const ok = await t.http.get(`${route}?page=1&limit=16`).set('Authorization', owner);
        expect(ok.status).toBe(200);
        expect(ok.body.pagination).toMatchObject({ page: 1, limit: 16 });
      }
      const platform = await t.http.get('/api/tenants?limit=0x10').set('X-Platform-Key', PLATFORM_KEY);
      fails(platform, 400, 'INVALID_INPUT');
      expect(fieldNames(platform)).toEqual(['limit']);
    });

    describe('nesting depth (at most 64 levels of objects and arrays)', () => {
      const nested = (depth: number) => JSON.parse(`${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`) as unknown[];
      const deepText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      let errorLog: jest.SpyInstance;
      beforeEach(() => {
        errorLog = jest.spyOn(Logger.prototype, 'error');
      });
      afterEach(() => errorLog.mockRestore());

      it('a body ~3,000 levels deep on an open route (login) is 400 INVALID_INPUT, not a 500, and logs no stack', async () => {
        const body = `{"email":"a@b.c","password":"x","zz":${deepText(3000)}}`;
        expect(body.length).toBeGreaterThan(6000);
        const res = await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).set('Content-Type', 'application/json').send(body);
        fails(res, 400, 'INVALID_INPUT');
        expect(res.body.error.message).toBe('The JSON body nests deeper than 64 levels of objects and arrays');
        expect(res.body.error.details).toEqual({ max_depth: 64 });
        expect(errorLog).not.toHaveBeenCalled();
      });

      it('is checked before anything else on every route: with an Idempotency-Key, without credentials, on an unknown route, a whole megabyte deep', async () => {
        const before = (await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total;
        const body = `{"name":"Deep","role":"r","config":{"a":${deepText(3000)}}}`;
        const keyed = await t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', 'deep-body-1').set('Content-Type', 'application/json').send(body);
        fails(keyed, 400, 'INVALID_INPUT');
        expect((await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total).toBe(before);
        fails(await t.http.post('/api/agents').set('Content-Type', 'application/json').send(body), 400, 'INVALID_INPUT');
        fails(await t.http.post('/api/nowhere').set('Content-Type', 'application/json').send(body), 400, 'INVALID_INPUT');
        fails(await t.http.post('/api/tenants').set('X-Platform-Key', PLATFORM_KEY).set('Content-Type', 'application/json').send(`[${deepText(200)}]`), 400, 'INVALID_INPUT');
        fails(await t.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).set('Content-Type', 'application/json').send(deepText(500_000)), 400, 'INVALID_INPUT');
        expect(errorLog).not.toHaveBeenCalled();
      });

      it('brackets inside strings do not count; 64 levels are accepted, 65 refused, free-form config included', async () => {
        const inString = await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Brackets', role: 'r', description: '['.repeat(1500) });
        expect(inString.status).toBe(201);
        // The body is level 1 and config level 2: 62 more arrays make 64.
        const deepest = await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Deep64', role: 'r', config: { a: nested(63) } });
        expect(deepest.status).toBe(201);
        expect(JSON.stringify(deepest.body.data.config)).toBe(JSON.stringify({ a: nested(63) }));
        const tooDeep = await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Deep65', role: 'r', config: { a: nested(64) } });
        fails(tooDeep, 400, 'INVALID_INPUT');
        const names = (await t.http.get('/api/agents?q=Deep6').set('Authorization', owner)).body.data.map((a: { name: string }) => a.name);
        expect(names).toEqual(['Deep64']);
      });

      it('a body in another charset (UTF-16) is checked once parsed, the same way', async () => {
        const body = Buffer.from(`{"email":"a@b.c","password":"x","zz":${deepText(3000)}}`, 'utf16le');
        const res = await rawRequest(t, 'POST', '/api/auth/login', { 'X-Tenant-ID': tenant.slug, 'Content-Type': 'application/json; charset=utf-16le' }, body);
        expect({ status: res.status, code: res.body.error?.code, details: res.body.error?.details }).toEqual({ status: 400, code: 'INVALID_INPUT', details: { max_depth: 64 } });
        const shallow = Buffer.from(JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' }), 'utf16le');
        const login = await rawRequest(t, 'POST', '/api/auth/login', { 'X-Tenant-ID': tenant.slug, 'Content-Type': 'application/json; charset=utf-16le' }, shallow);
        expect(login.status).toBe(401);
        expect(errorLog).not.toHaveBeenCalled();
      });
    });

    it('a __proto__ key is refused like any unknown field, at any depth, and creates nothing', async () => {
      const before = (await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total;
      for (const body of ['{"name":"Proto","role":"r","__proto__":1}', '{"name":"Proto","role":"r","__proto__":{"admin":true}}', '{"name":"Proto","role":"r","config":{"x":[{"__proto__":{}}]}}']) {
        const res = await t.http.post('/api/agents').set('Authorization', owner).set('Content-Type', 'application/json').send(body);
        fails(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields[0].errors).toEqual(['property __proto__ should not exist']);
      }
      expect((await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total).toBe(before);
      const query = await t.http.get('/api/agents?__proto__=1').set('Authorization', owner);
      fails(query, 400, 'INVALID_INPUT');
      expect(fieldNames(query)).toEqual(['__proto__']);
    });
  });

  describe('errors reveal no internals', () => {
    it('a unique violation is 409 CONFLICT without the constraint or SQL', async () => {
      const body = { email: `dup@${tenant.slug}.test`, password: 'long enough password', role: 'member' };
      expect((await t.http.post('/api/users').set('Authorization', owner).send(body)).status).toBe(201);
      const res = await t.http.post('/api/users').set('Authorization', owner).send(body);
      fails(res, 409, 'CONFLICT');
      expect(res.text).not.toMatch(/constraint|unique|UQ_|IDX_|_key\b/i);
    });

    it('a database failure is 500 INTERNAL_ERROR saying nothing about it', async () => {
      const broken = await t.createTenant();
      const schema = `tenant_${broken.slug.replace(/-/g, '_')}`;
      const db = t.app.get(DataSource);
      await db.query(`ALTER TABLE "${schema}".users RENAME TO users_gone`);
      try {
        const res = await t.http.get('/api/users').set('Authorization', `Bearer ${broken.ownerToken}`).set('X-Request-ID', 'trace-500');
        fails(res, 500, 'INTERNAL_ERROR');
        expect(res.body.error).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal server error', details: {} });
        expect(res.body.meta.request_id).toBe('trace-500');
        expect(res.text).not.toMatch(/users_gone|users|tenant_|does not exist/);
      } finally {
        await db.query(`ALTER TABLE "${schema}".users_gone RENAME TO users`);
      }
      expect((await t.http.get('/api/users').set('Authorization', `Bearer ${broken.ownerToken}`)).status).toBe(200);
    });
  });

  describe('security headers and CORS', () => {
    it('helmet headers are on API responses, errors and docs', async () => {
      for (const res of [
        await t.http.get('/api/health'),
        await t.http.get('/api/auth/me').set('Authorization', owner),
        await t.http.get('/api/users'),
        await t.http.get('/api/openapi.json'),
        await t.http.get('/api/docs/'),
        await t.http.get('/api/redoc'),
      ]) {
        expectHelmet(res);
      }
    });

    it('CORS is off unless CORS_ORIGINS is set: no Access-Control headers, preflight not answered', async () => {
      expect(t.config.corsOrigins).toBe(false);
      const res = await t.http.get('/api/health').set('Origin', 'https://app.example.com');
      expect(res.status).toBe(200);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const preflight = await t.http.options('/api/users').set('Origin', 'https://app.example.com').set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      fails(preflight, 404, 'NOT_FOUND');
    });
  });

  describe('OpenAPI document', () => {
    let doc: Json;
    beforeAll(async () => {
      const res = await t.http.get('/api/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      doc = res.body;
    });

    const operations = () =>
      Object.entries<Record<string, Json>>(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'].includes(method))
          .map(([method, op]) => ({ path, method, op, where: `${method.toUpperCase()} ${path}` })),
      );

    /** Follows a local $ref ("#/components/schemas/X"). */
    const resolve = (ref: string) => ref.slice(2).split('/').reduce((node: Json, key: string) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);

    it('is OpenAPI 3, not wrapped in the envelope, and names the /api/v1 alias in its description', () => {
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(doc.success).toBeUndefined();
      expect(doc.info.title).toBeTruthy();
      expect(doc.info.version).toBeTruthy();
      expect(doc.info.description).toMatch(/\/api\/v1\S* is an alias/);
    });

    it('lists each route of the app exactly once, under /api, never under /api/v1', () => {
      const paths = Object.keys(doc.paths);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        expect(path).toMatch(/^\/api\//);
        expect(path).not.toMatch(/^\/api\/v1(\/|$)/);
      }
      const documented = operations().map((o) => o.where);
      expect(new Set(documented).size).toBe(documented.length);
      const operationIds = operations().map((o) => o.op.operationId);
      expect(operationIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(operationIds).size).toBe(operationIds.length);

      // The routes Express actually serves, minus the docs pages themselves and the /api/v1 aliases.
      const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
      const served = router.stack
        .filter((layer) => layer.route && !layer.route.methods._all && Object.keys(layer.route.methods).length === 1)
        .map((layer) => ({ method: Object.keys(layer.route!.methods)[0].toUpperCase(), path: layer.route!.path }));
      const isDocsRoute = (path: string) => /^\/api\/(openapi\.(json|yaml)|docs|redoc)(\/|$)/.test(path);
      const api = served.filter((r) => r.path.startsWith('/api/') && !isDocsRoute(r.path));
      const plain = api.filter((r) => !r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
      const aliases = api.filter((r) => r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${r.path.replace('/api/v1/', '/api/').replace(/:(\w+)/g, '{$1}')}`);
      expect([...documented].sort()).toEqual([...new Set(plain)].sort());
      expect([...aliases].sort()).toEqual([...plain].sort());
      // The core routes of issue 2 are all there.
      for (const expected of [
        'POST /api/tenants', 'GET /api/tenants', 'GET /api/tenants/{slug}', 'PATCH /api/tenants/{slug}', 'DELETE /api/tenants/{slug}',
        'POST /api/auth/login', 'POST /api/auth/refresh', 'POST /api/auth/logout', 'GET /api/auth/me',
        'GET /api/users', 'POST /api/users', 'GET /api/users/{id}', 'PATCH /api/users/{id}', 'DELETE /api/users/{id}',
        'POST /api/api-keys', 'GET /api/api-keys', 'DELETE /api/api-keys/{id}', 'GET /api/health',
      ]) {
        expect(documented).toContain(expected);
      }
      expect(paths).not.toContain('/metrics');
    });

    it('declares the three security schemes', () => {
      expect(doc.components.securitySchemes).toEqual({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        api_key: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
        platform_key: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Platform-Key' }),
      });
    });

    it('gives every operation its security: bearer or API key on tenant routes, platform key on /api/tenants, explicitly none on open ones', () => {
      const open = ['POST /api/auth/login', 'POST /api/auth/refresh', 'POST /api/auth/logout', 'GET /api/health'];
      for (const { path, where, op } of operations()) {
        expect({ where, security: Array.isArray(op.security) }).toEqual({ where, security: true });
        let expected: unknown[];
        if (open.includes(where)) expected = [];
        else if (path.startsWith('/api/tenants')) expected = [{ platform_key: [] }];
        else expected = [{ bearer: [] }, { api_key: [] }];
        expect({ where, security: op.security }).toEqual({ where, security: expected });
        for (const requirement of op.security) {
          for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes[scheme]).toBeDefined();
        }
      }
    });

    it('documents for every operation an envelope-wrapped success and enveloped errors', () => {
      for (const { where, op, method, path } of operations()) {
        const codes = Object.keys(op.responses ?? {});
        const success = codes.filter((c) => /^2\d\d$/.test(c));
        // One success status, or two where a route answers both (201 created / 200 replaced).
        expect({ where, success: success.length >= 1 && success.length <= 2 }).toEqual({ where, success: true });
        // Server-Sent Events routes (design.md section 3: streams are not wrapped): the success is the event stream itself.
        const stream = op.responses[success[0]].content['text/event-stream'];
        if (stream) {
          expect({ where, types: Object.keys(op.responses[success[0]].content) }).toEqual({ where, types: ['text/event-stream'] });
          expect({ where, method }).toEqual({ where, method: 'get' });
        }
        for (const code of stream ? [] : success) {
          const schema = op.responses[code].content['application/json'].schema;
          expect({ where, required: schema.required }).toEqual({ where, required: expect.arrayContaining(['success', 'data', 'meta']) });
          expect(resolve(schema.properties.meta.$ref)).toMatchObject({ properties: { request_id: expect.anything(), timestamp: expect.anything() } });
        }
        const schema = stream ? undefined : op.responses[success[0]].content['application/json'].schema;
        if (schema && method === 'get' && /^\/api\/(users|api-keys|tenants|webhooks|agents|sessions)$/.test(path)) {
          expect({ where, data: schema.properties.data.type, pagination: schema.required.includes('pagination') }).toEqual({ where, data: 'array', pagination: true });
        }
        const errors = codes.filter((c) => /^[45]\d\d$/.test(c));
        expect({ where, has500: errors.includes('500') }).toEqual({ where, has500: true });
        for (const code of errors) {
          const error = op.responses[code];
          expect(error.description).toMatch(/`[A-Z_]+`/);
          const ref = error.content['application/json'].schema.$ref;
          expect(resolve(ref)).toMatchObject({ properties: { success: expect.anything(), error: expect.anything(), meta: expect.anything() } });
        }
        if (op.security.length > 0) {
          expect({ where, has401: codes.includes('401') }).toEqual({ where, has401: true });
          expect({ where, has4xx: errors.some((c) => c.startsWith('4')) }).toEqual({ where, has4xx: true });
        }
        // Action routes that take no input (send a test event, retry a delivery, cancel a chat turn) have no body to document.
        if (['post', 'patch', 'put'].includes(method) && !/\/(test|retry|cancel)$/.test(path)) {
          const body = op.requestBody?.content?.['application/json']?.schema;
          expect({ where, body: Boolean(body && (body.$ref ? resolve(body.$ref) : body)) }).toEqual({ where, body: true });
        }
      }
    });

    it('has no dangling $ref', () => {
      const refs: string[] = [];
      const walk = (node: unknown) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node)) {
            if (key === '$ref' && typeof value === 'string') refs.push(value);
            else walk(value);
          }
        }
      };
      walk(doc);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref).toMatch(/^#\//);
        expect({ ref, found: resolve(ref) !== undefined }).toEqual({ ref, found: true });
      }
    });

    it('matches what the routes do: anonymous calls get a status the operation documents, the same under /api/v1', async () => {
      for (const { path, method, where, op } of operations()) {
        const url = path.replace('{id}', NO_SUCH_UUID).replace('{slug}', 'no-such-tenant');
        for (const prefix of ['/api/', '/api/v1/']) {
          const target = url.replace(/^\/api\//, prefix);
          const res = await t.http[method as 'get'](target).send(['post', 'patch', 'put'].includes(method) ? {} : undefined);
          expect({ where, target, documented: Object.keys(op.responses).includes(String(res.status)) }).toEqual({ where, target, documented: true });
          if (res.status >= 400) expect(res.body.error.message).not.toBe('Route not found');
          if (op.security.length > 0) fails(res, 401, 'UNAUTHORIZED');
        }
      }
    });

    it('is also served as YAML', async () => {
      const res = await t.http.get('/api/openapi.yaml');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^openapi: 3\./m);
    });
  });

  describe('docs pages', () => {
    /** Every src/href of a page: relative or same-host, and served by the app. */
    async function expectLocalAssets(page: string, html: string) {
      const urls = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(urls.length).toBeGreaterThan(0);
      const served: string[] = [];
      for (const url of urls) {
        expect(url).not.toMatch(/^(https?:)?\/\//);
        const resolved = new URL(url, `http://localhost${page}`).pathname;
        const res = await t.http.get(resolved);
        expect({ url: resolved, status: res.status }).toEqual({ url: resolved, status: 200 });
        served.push(`${resolved} ${res.headers['content-type']}`);
      }
      return served;
    }

    it.each(['/api/docs', '/api/docs/'])('Swagger UI at %s is HTML with its scripts and styles served locally', async (page) => {
      const res = await t.http.get(page);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('swagger-ui');
      expect(res.text).not.toMatch(/(cdn|unpkg|jsdelivr|cdnjs|googleapis)\./i);
      const served = await expectLocalAssets(page, res.text);
      expect(served.filter((s) => /\.js .*javascript/.test(s)).length).toBeGreaterThanOrEqual(3);
      expect(served.some((s) => /\.css text\/css/.test(s))).toBe(true);
    });

    it('Redoc at /api/redoc is HTML pointing at the local document and a local bundle', async () => {
      const res = await t.http.get('/api/redoc');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('spec-url="/api/openapi.json"');
      expect(res.text).not.toMatch(/(cdn|unpkg|jsdelivr|cdnjs|googleapis)\./i);
      const served = await expectLocalAssets('/api/redoc', res.text);
      expect(served).toEqual([expect.stringMatching(/^\/api\/redoc\/redoc\.standalone\.js .*javascript/)]);
      const bundle = await t.http.get('/api/redoc/redoc.standalone.js');
      expect(bundle.text.length).toBeGreaterThan(100_000);
    });
  });

  describe('health', () => {
    it('is 200 with the database status, needs no credentials, and carries no rate-limit headers', async () => {
      const res = await t.http.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toEqual({ status: 'ok', database: { status: 'up', latency_ms: expect.any(Number) }, uptime_s: expect.any(Number) });
      expect(res.body.data.redis).toBeUndefined();
      expect(Object.keys(res.headers).filter((h) => h.startsWith('x-ratelimit') || h === 'retry-after')).toEqual([]);
    });

    it('stays unlimited and open when the caller names a tenant or sends a token', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await t.http.get('/api/health').set('X-Tenant-ID', tenant.slug).set('Authorization', owner);
        expect(res.status).toBe(200);
        expect(Object.keys(res.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
      }
      expect((await t.http.get('/api/health').set('Authorization', 'Bearer garbage')).status).toBe(200);
    });
  });

  describe('metrics', () => {
    it('are off by default: /metrics is 404 in the envelope, like any unknown route', async () => {
      expect(t.config.metricsEnabled).toBe(false);
      for (const path of ['/metrics', '/v1/metrics', '/api/v1/metrics']) {
        const res = await t.http.get(path);
        fails(res, 404, 'NOT_FOUND');
        expect(res.body.error.message).toBe('Route not found');
      }
    });
  });
});

describe('HTTP conventions (METRICS_ENABLED, CORS_ORIGINS, BODY_LIMIT, Redis)', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let owner: string;
  const origins = ['https://app.example.com', 'https://admin.example.com'];

  beforeAll(async () => {
    t = await TestApp.start({
      METRICS_ENABLED: 'true',
      CORS_ORIGINS: ` ${origins[0]} , ${origins[1]}`,
      BODY_LIMIT: '2kb',
      DB_POOL_SIZE: '3',
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    });
    tenant = await t.createTenant();
    owner = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  (redisUrl ? it : it.skip)('health reports Redis too (needs TEST_REDIS_URL)', async () => {
    const res = await t.http.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'ok', database: { status: 'up' }, redis: { status: 'up', latency_ms: expect.any(Number) } });
    expect(Object.keys(res.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
  });

  describe('body limit', () => {
    it('follows BODY_LIMIT: over it is 413, under it the body is parsed', async () => {
      const base = { email: 'x@example.com', password: 'long enough password', role: 'member' };
      const over = await t.http.post('/api/users').set('Authorization', owner).send({ ...base, name: 'x'.repeat(3000) });
      fails(over, 413, 'PAYLOAD_TOO_LARGE');
      expect(over.headers['access-control-allow-origin']).toBeUndefined();
      const under = await t.http.post('/api/users').set('Authorization', owner).send({ ...base, name: 'x'.repeat(1500) });
      fails(under, 400, 'INVALID_INPUT');
      expect(fieldNames(under)).toContain('name');
      const bomb = gzipSync(Buffer.from(JSON.stringify({ ...base, name: 'x'.repeat(10_000) })));
      const inflated = await rawRequest(t, 'POST', '/api/users', { Authorization: owner, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, bomb);
      expect({ status: inflated.status, code: inflated.body.error?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    });
  });

  describe('CORS', () => {
    it.each(origins)('allows the configured origin %s and exposes the request id and rate-limit headers', async (origin) => {
      const res = await t.http.get('/api/auth/me').set('Authorization', owner).set('Origin', origin);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers.vary).toMatch(/Origin/i);
      const exposed = String(res.headers['access-control-expose-headers']).split(/\s*,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['X-Request-ID', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After']));
    });

    it('answers a preflight from an allowed origin, with the headers the API needs', async () => {
      const res = await t.http
        .options('/api/users')
        .set('Origin', origins[0])
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,x-tenant-id,x-api-key,x-request-id');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origins[0]);
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']).toMatch(/authorization/i);
    });

    it('does not allow any other origin, on simple requests, errors or preflights', async () => {
      for (const res of [
        await t.http.get('/api/health').set('Origin', 'https://evil.example.com'),
        await t.http.get('/api/nope').set('Origin', 'https://app.example.com.evil.test'),
        await t.http.options('/api/users').set('Origin', 'http://app.example.com').set('Access-Control-Request-Method', 'POST'),
      ]) {
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    });
  });

  describe('metrics', () => {
    const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
      const lines = text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
      const match = lines.find((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
      return match === undefined ? undefined : Number(match.slice(match.lastIndexOf(' ') + 1));
    };
    const scrape = async () => {
      const res = await t.http.get('/metrics');
      expect(res.status).toBe(200);
      return res.text;
    };

    it('GET /metrics is Prometheus text, outside /api and outside the envelope', async () => {
      const res = await t.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-request-id']).toMatch(GENERATED_ID);
      expect(res.text).not.toMatch(/^\{/);
      expect(res.text).toMatch(/^# TYPE http_requests_total counter$/m);
      expect(res.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
      expect(res.text).toMatch(/^# TYPE db_pool_connections_in_use gauge$/m);
      expect(res.text).toMatch(/^# TYPE db_pool_waiting_requests gauge$/m);
      expect(res.text).toMatch(/^process_cpu_user_seconds_total /m);
      for (const path of ['/api/metrics', '/api/v1/metrics', '/v1/metrics']) fails(await t.http.get(path), 404, 'NOT_FOUND');
    });

    it('counts requests by method, route pattern and status, with a latency histogram', async () => {
      const before = await scrape();
      const me = { method: 'GET', route: '/api/auth/me', status: '200' };
      const missing = { method: 'GET', route: '/api/users/:id', status: '404' };
      const startMe = sample(before, 'http_requests_total', me) ?? 0;
      const startMissing = sample(before, 'http_requests_total', missing) ?? 0;
      const startCount = sample(before, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/auth/me' }) ?? 0;
      for (let i = 0; i < 3; i++) await t.http.get('/api/auth/me').set('Authorization', owner).expect(200);
      await t.http.get(`/api/users/${NO_SUCH_UUID}`).set('Authorization', owner).expect(404);
      await t.http.get('/api/tenants').set('X-Platform-Key', PLATFORM_KEY).expect(200);
      const after = await scrape();
      expect(sample(after, 'http_requests_total', me)).toBe(startMe + 3);
      expect(sample(after, 'http_requests_total', missing)).toBe(startMissing + 1);
      expect(sample(after, 'http_requests_total', { method: 'GET', route: '/api/tenants', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/auth/me' })).toBe(startCount + 3);
      expect(sample(after, 'http_request_duration_seconds_bucket', { le: '+Inf', method: 'GET', route: '/api/auth/me' })).toBe(startCount + 3);
      expect(sample(after, 'http_request_duration_seconds_sum', { method: 'GET', route: '/api/auth/me' })).toBeGreaterThan(0);
    });

    it('labels hold route patterns only: no ids, emails, tokens or unknown paths', async () => {
      const user = await t.userToken(tenant, 'member');
      await t.http.get(`/api/users/${user.id}`).set('Authorization', owner).expect(200);
      await t.http.get('/api/zz-unknown-5f3a9c').expect(404);
      await t.http.get('/nothing-7b2e1d').expect(404);
      const text = await scrape();
      for (const secret of [user.id, user.email, tenant.ownerEmail, tenant.ownerToken.slice(0, 20), 'zz-unknown-5f3a9c', 'nothing-7b2e1d']) {
        expect(text).not.toContain(secret);
      }
      const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
      for (const route of routes) expect(route).toMatch(/^(unmatched|\/[A-Za-z0-9/_:.*-]*)$/);
    });

    it('reports the database pool: connections in use and requests waiting', async () => {
      const db = t.app.get(DataSource);
      const held: QueryRunner[] = [];
      expect(sample(await scrape(), 'db_pool_connections_in_use')).toBeGreaterThanOrEqual(0);
      let waiting: Promise<unknown> | undefined;
      try {
        // Hold the whole pool (a connection in use elsewhere is awaited, then held too).
        for (let i = 0; i < t.config.dbPoolSize; i++) {
          const runner = db.createQueryRunner();
          await runner.connect();
          held.push(runner);
          // A fresh embedded-database connection holds the shared PGlite session until its first query.
          await runner.query('SELECT 1');
        }
        const full = await scrape();
        expect(sample(full, 'db_pool_connections_in_use')).toBe(t.config.dbPoolSize);
        waiting = db.query('SELECT 1');
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(sample(await scrape(), 'db_pool_waiting_requests')).toBeGreaterThanOrEqual(1);
      } finally {
        for (const runner of held) await runner.release();
        await waiting;
      }
      expect(sample(await scrape(), 'db_pool_waiting_requests')).toBe(0);
    });
  });
});

describe('HTTP conventions (CORS_ORIGINS=*)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ CORS_ORIGINS: '*' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('allows every origin', async () => {
    const origin = 'https://anywhere.example.net';
    const res = await t.http.get('/api/health').set('Origin', origin);
    expect(res.status).toBe(200);
    // `origin: true` reflects the caller's origin (no credentials are allowed, so this is the same as "*").
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toContain('X-Request-ID');
  });
});
