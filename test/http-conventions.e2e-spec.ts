import { PLATFORM_KEY, TenantFixture, TestApp, expectError } from './support/test-app';

const redisUrl = process.env.TEST_REDIS_URL;

/** Nothing an error body says may reveal internals. */
function expectNoInternals(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat .+\.(js|ts):\d+/); // stack frames
  expect(text).not.toMatch(/SELECT|INSERT|UPDATE .* SET|node_modules|QueryFailedError/i);
}

describe('HTTP conventions', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let owner: string;

  beforeAll(async () => {
    t = await TestApp.start({ BODY_LIMIT: '2kb', CORS_ORIGINS: 'https://app.example.com' });
    tenant = await t.createTenant();
    owner = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('envelope', () => {
    it('wraps a success in {success, data, meta: {timestamp, request_id}}', async () => {
      const res = await t.http.get('/api/auth/me').set('Authorization', owner);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'meta', 'success']);
      expect(res.body.success).toBe(true);
      expect(new Date(res.body.meta.timestamp).toISOString()).toBe(res.body.meta.timestamp);
      expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
    });

    it('adds pagination beside data on lists', async () => {
      const res = await t.http.get('/api/users?limit=1').set('Authorization', owner);
      expect(res.status).toBe(200);
      expect(res.body.pagination).toEqual({ page: 1, limit: 1, total: 1, pages: 1 });
      expect(res.body.data).toHaveLength(1);
      const past = await t.http.get('/api/users?page=5&limit=1').set('Authorization', owner);
      expect(past.body).toMatchObject({ data: [], pagination: { page: 5, limit: 1, total: 1, pages: 1 } });
    });

    it('refuses bad list parameters instead of ignoring them', async () => {
      for (const query of ['limit=101', 'limit=0', 'page=0', 'page=abc', 'order=sideways', 'sort=password_hash', 'role=king']) {
        const res = await t.http.get(`/api/users?${query}`).set('Authorization', owner);
        expectError(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields.length).toBeGreaterThan(0);
      }
    });
  });

  describe('X-Request-ID', () => {
    it('keeps a sane incoming id and echoes it in the header and meta', async () => {
      const res = await t.http.get('/api/auth/me').set('Authorization', owner).set('X-Request-ID', 'trace-42.a:b_c');
      expect(res.headers['x-request-id']).toBe('trace-42.a:b_c');
      expect(res.body.meta.request_id).toBe('trace-42.a:b_c');
    });

    it('replaces an unsafe or oversized one with a generated req_ id', async () => {
      for (const incoming of ['has spaces', '<script>', 'x'.repeat(129)]) {
        const res = await t.http.get('/api/health').set('X-Request-ID', incoming);
        expect(res.headers['x-request-id']).toMatch(/^req_[A-Za-z0-9_-]{16}$/);
        expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
      }
    });

    it('generates a different id for every request and puts it on errors too', async () => {
      const a = await t.http.get('/api/nope');
      const b = await t.http.get('/api/nope');
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
      expect(a.body.meta.request_id).toBe(a.headers['x-request-id']);
    });
  });

  describe('/api/v1 alias', () => {
    it('reaches the same handlers as /api', async () => {
      const plain = await t.http.get('/api/auth/me').set('Authorization', owner);
      const versioned = await t.http.get('/api/v1/auth/me').set('Authorization', owner);
      expect(versioned.status).toBe(200);
      expect(versioned.body.data).toEqual(plain.body.data);
      expect((await t.http.get('/api/v1/health')).status).toBe(200);
      expectError(await t.http.get('/api/v2/auth/me').set('Authorization', owner), 404, 'NOT_FOUND');
    });
  });

  describe('errors', () => {
    it('answers unknown routes with 404 NOT_FOUND in the envelope, under /api and outside it', async () => {
      for (const path of ['/api/does-not-exist', '/api/users/x/y/z', '/nothing-here', '/']) {
        const res = await t.http.get(path);
        expectError(res, 404, 'NOT_FOUND');
        expect(res.body.error.message).toBe('Route not found');
      }
      expectError(await t.http.put('/api/auth/me').set('Authorization', owner), 404, 'NOT_FOUND');
    });

    it('answers malformed JSON with 400 INVALID_INPUT and no parser internals', async () => {
      const res = await t.http
        .post('/api/users')
        .set('Authorization', owner)
        .set('Content-Type', 'application/json')
        .send('{"email": "a@b.c", ');
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.message).toBe('Malformed JSON body');
      expectNoInternals(res.body);
    });

    it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await t.http
        .post('/api/users')
        .set('Authorization', owner)
        .send({ email: 'big@example.com', password: 'long enough password', role: 'member', name: 'x'.repeat(4096) });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      const list = await t.http.get('/api/users?q=big@example.com').set('Authorization', owner);
      expect(list.body.pagination.total).toBe(0);
    });

    it('lists every bad field in details, refuses unknown fields and wrong types', async () => {
      const res = await t.http.post('/api/users').set('Authorization', owner).send({ email: 'nope', password: 'short', role: 'king', admin: true });
      expectError(res, 400, 'INVALID_INPUT');
      const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
      expect(fields).toEqual(['admin', 'email', 'password', 'role']);
      for (const field of res.body.error.details.fields) expect(field.errors.length).toBeGreaterThan(0);
      const typed = await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: 42, role: 'member' });
      expectError(typed, 400, 'INVALID_INPUT');
      expect(typed.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['name']);
    });

    it('answers a non-JSON body to a JSON route with a validation error, not a crash', async () => {
      const res = await t.http.post('/api/users').set('Authorization', owner).set('Content-Type', 'text/plain').send('hello');
      expectError(res, 400, 'INVALID_INPUT');
      expectNoInternals(res.body);
    });

    it('answers a malformed id with a clear error, never a database error', async () => {
      const res = await t.http.get('/api/users/not-a-uuid').set('Authorization', owner);
      expect([400, 404]).toContain(res.status);
      expect(res.body.success).toBe(false);
      expectNoInternals(res.body);
    });
  });

  describe('security headers and CORS', () => {
    it('sets helmet headers on API responses and errors, and no X-Powered-By', async () => {
      for (const res of [await t.http.get('/api/health'), await t.http.get('/api/nope')]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('allows the configured origin only, and exposes the request id and rate-limit headers', async () => {
      const allowed = await t.http.get('/api/auth/me').set('Authorization', owner).set('Origin', 'https://app.example.com');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(allowed.headers['access-control-expose-headers']).toContain('X-RateLimit-Remaining');
      expect(allowed.headers['access-control-expose-headers']).toContain('X-Request-ID');
      const other = await t.http.get('/api/health').set('Origin', 'https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.http
        .options('/api/users')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    });
  });

  describe('OpenAPI and docs', () => {
    it('serves an OpenAPI 3 document listing each route once under /api, with the alias explained', async () => {
      const res = await t.http.get('/api/openapi.json');
      expect(res.status).toBe(200);
      const doc = res.body;
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info.description).toContain('/api/v1');
      const paths = Object.keys(doc.paths);
      expect(paths.every((p) => p.startsWith('/api/') && !p.startsWith('/api/v1/'))).toBe(true);
      const operations = paths.flatMap((p) => Object.keys(doc.paths[p]).map((m) => `${m} ${p}`));
      expect(new Set(operations).size).toBe(operations.length);
      for (const expected of [
        'post /api/tenants', 'get /api/tenants', 'get /api/tenants/{slug}', 'patch /api/tenants/{slug}', 'delete /api/tenants/{slug}',
        'post /api/auth/login', 'post /api/auth/refresh', 'post /api/auth/logout', 'get /api/auth/me',
        'get /api/users', 'post /api/users', 'get /api/users/{id}', 'patch /api/users/{id}', 'delete /api/users/{id}',
        'post /api/api-keys', 'get /api/api-keys', 'delete /api/api-keys/{id}', 'get /api/health',
      ]) {
        expect(operations).toContain(expected);
      }
      const operationIds = operations.map((o) => {
        const [method, path] = o.split(' ');
        return doc.paths[path][method].operationId;
      });
      expect(new Set(operationIds).size).toBe(operationIds.length);
    });

    it('documents, for every operation, its security, an envelope-wrapped response and its errors', async () => {
      const doc = (await t.http.get('/api/openapi.json')).body;
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['api_key', 'bearer', 'platform_key']);
      for (const [path, item] of Object.entries<Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>>(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const where = `${method} ${path}`;
          expect({ where, security: Array.isArray(op.security) }).toEqual({ where, security: true });
          const codes = Object.keys(op.responses);
          expect({ where, success: codes.some((c) => /^2/.test(c)) }).toEqual({ where, success: true });
          if (path.startsWith('/api/tenants')) expect(op.security).toEqual([{ platform_key: [] }]);
          else if (path.startsWith('/api/users') || path.startsWith('/api/api-keys') || path === '/api/auth/me') {
            expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { api_key: [] }]));
            expect(codes).toEqual(expect.arrayContaining(['401', '429']));
          }
          if (['post', 'patch', 'put'].includes(method) && path !== '/api/auth/logout' && !path.includes('{id}/')) {
            expect({ where, body: op.requestBody !== undefined }).toEqual({ where, body: true });
          }
          if (codes.some((c) => /^[45]/.test(c)) || codes.length > 1) expect(JSON.stringify(op.responses)).toContain('success');
        }
      }
    });

    it('serves Swagger UI and Redoc from local files, no CDN', async () => {
      const docs = await t.http.get('/api/docs/');
      expect(docs.status).toBe(200);
      expect(docs.headers['content-type']).toMatch(/text\/html/);
      const redoc = await t.http.get('/api/redoc');
      expect(redoc.status).toBe(200);
      for (const html of [docs.text, redoc.text]) expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|fonts|cdnjs)/i);
      const scripts = [...docs.text.matchAll(/src="([^"]+\.js)"/g), ...redoc.text.matchAll(/src="([^"]+\.js)"/g)].map((m) => m[1]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const src of scripts) {
        const url = src.startsWith('/') ? src : `/api/docs/${src.replace(/^\.\//, '')}`;
        const asset = await t.http.get(url);
        expect({ url, status: asset.status }).toEqual({ url, status: 200 });
      }
    });
  });

  describe('health', () => {
    it('reports the database, needs no credentials and is not rate limited', async () => {
      const res = await t.http.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ status: 'ok', database: { status: 'up' } });
      expect(res.body.data.redis).toBeUndefined();
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    });
  });

  describe('metrics', () => {
    it('are off by default: /metrics is 404', async () => {
      expectError(await t.http.get('/metrics'), 404, 'NOT_FOUND');
    });
  });
});

describe('with Redis and metrics on', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ METRICS_ENABLED: 'true', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
  });
  afterAll(async () => {
    await t?.close();
  });

  (redisUrl ? it : it.skip)('health reports Redis too (needs TEST_REDIS_URL)', async () => {
    const res = await t.http.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body.data.redis).toMatchObject({ status: 'up' });
  });

  it('serves Prometheus text: requests by route and status, latency, pool gauges, tenant slug at most', async () => {
    const tenant = await t.createTenant();
    await t.http.get('/api/auth/me').set('Authorization', `Bearer ${tenant.ownerToken}`).expect(200);
    await t.http.get('/api/users/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${tenant.ownerToken}`).expect(404);
    await t.http.get('/api/tenants').set('X-Platform-Key', PLATFORM_KEY).expect(200);
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const lines = res.text.split('\n').filter((line) => line && !line.startsWith('#'));
    const metricNames = new Set(lines.map((line) => line.split(/[{ ]/)[0]));
    const requestLines = lines.filter((line) => /_requests_total\{/.test(line));
    expect(requestLines.some((line) => line.includes('route="/api/auth/me"') && line.includes('status="200"'))).toBe(true);
    expect(requestLines.some((line) => line.includes('route="/api/users/:id"') && line.includes('status="404"'))).toBe(true);
    expect(lines.some((line) => /_duration_seconds_bucket\{/.test(line))).toBe(true);
    expect(metricNames.has('db_pool_connections_in_use')).toBe(true);
    expect(metricNames.has('db_pool_waiting_requests')).toBe(true);
    // Routes are templates: no ids, emails or tokens in labels.
    expect(res.text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(res.text).not.toContain(tenant.ownerEmail);
  });
});
