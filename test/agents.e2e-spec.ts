import { DataSource } from 'typeorm';
import { MATURITY_RANK } from '../src/agents/agents.service';
import { SecretBox } from '../src/common/secret-box';
import { schemaForSlug } from '../src/tenancy/slug';
import { PLATFORM_KEY, TenantFixture, TestApp, expectError } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('Agents (/api/agents)', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let owner: string;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant(undefined, 'enterprise');
    owner = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (body: Record<string, unknown>, auth = owner) => t.http.post('/api/agents').set('Authorization', auth).send(body);
  const fieldsOf = (res: { body: { error: { details: { fields: { field: string }[] } } } }) =>
    res.body.error.details.fields.map((f) => f.field).sort();

  it('creates an agent as a student, with defaults, snake_case on the wire', async () => {
    const res = await create({ name: 'Ada', role: 'Support', description: 'Answers tickets', tools: ['memory_search', 'summarize'], config: { max_steps: 4 } });
    expect(res.status).toBe(201);
    const me = (await t.http.get('/api/auth/me').set('Authorization', owner)).body.data;
    expect(res.body.data).toMatchObject({
      name: 'Ada',
      role: 'Support',
      description: 'Answers tickets',
      system_prompt: null,
      model: null,
      tools: ['memory_search', 'summarize'],
      config: { max_steps: 4 },
      maturity_level: 'student',
      status: 'active',
      readiness_score: null,
      created_by: me.id,
    });
    expect(res.body.data.id).toMatch(/^[0-9a-f-]{36}$/);
    const got = await t.http.get(`/api/agents/${res.body.data.id}`).set('Authorization', owner);
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(res.body.data);
  });

  it('validates the body and names each bad field', async () => {
    const missing = await create({});
    expectError(missing, 400, 'INVALID_INPUT');
    expect(fieldsOf(missing)).toEqual(['name', 'role']);
    const bad = await create({ name: '', role: 'x'.repeat(101), tools: ['Bad Tool'], config: 'nope', model: 'has spaces', maturity_level: 'autonomous' });
    expectError(bad, 400, 'INVALID_INPUT');
    expect(fieldsOf(bad)).toEqual(['config', 'maturity_level', 'model', 'name', 'role', 'tools']);
    expectError(await create({ name: 'A', role: 'B', tools: ['draft', 'draft'] }), 400, 'INVALID_INPUT');
    expectError(await create({ name: 'A', role: 'B', tools: 'draft' }), 400, 'INVALID_INPUT');
  });

  it('refuses a name or role of spaces only, on create and on update, and writes nothing', async () => {
    const before = (await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total;
    for (const blank of ['', ' ', '   ', '\t\n', '\u00a0\u2003']) {
      const res = await create({ name: blank, role: blank });
      expectError(res, 400, 'INVALID_INPUT');
      expect(fieldsOf(res)).toEqual(['name', 'role']);
    }
    expect((await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total).toBe(before);
    const agent = (await create({ name: ' Padded ', role: 'r' })).body.data;
    expect(agent.name).toBe(' Padded ');
    for (const method of ['put', 'patch'] as const) {
      const res = await t.http[method](`/api/agents/${agent.id}`).set('Authorization', owner).send({ name: '  ', role: '\t' });
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields).toEqual([
        { field: 'name', errors: ['name must contain a non-space character'] },
        { field: 'role', errors: ['role must contain a non-space character'] },
      ]);
    }
    expect((await t.http.get(`/api/agents/${agent.id}`).set('Authorization', owner)).body.data).toMatchObject({ name: ' Padded ', role: 'r', updated_at: agent.updated_at });
  });

  it('refuses tool names the server has no action for, on create and on update, and writes nothing', async () => {
    const before = (await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total;
    const typo = await create({ name: 'Typo', role: 'Ops', tools: ['summarize', 'sumarize', 'delete_everything'] });
    expectError(typo, 400, 'INVALID_INPUT');
    expect(typo.body.error.message).toBe('Unknown tools: sumarize, delete_everything');
    expect(typo.body.error.details.fields).toEqual([
      {
        field: 'tools',
        errors: [
          expect.stringMatching(/^tool 'sumarize' does not exist; the available tools are .*\bsummarize\b/),
          expect.stringMatching(/^tool 'delete_everything' does not exist/),
        ],
      },
    ]);
    expect((await t.http.get('/api/agents').set('Authorization', owner)).body.pagination.total).toBe(before);

    const { id } = (await create({ name: 'Tooled', role: 'Ops', tools: ['draft'] })).body.data;
    const patch = await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ name: 'Renamed', tools: ['draft', 'shell'] });
    expectError(patch, 400, 'INVALID_INPUT');
    expect(fieldsOf(patch)).toEqual(['tools']);
    expect((await t.http.get(`/api/agents/${id}`).set('Authorization', owner)).body.data).toMatchObject({ name: 'Tooled', tools: ['draft'] });
    // Every built-in action is accepted.
    const all = await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ tools: ['memory_search', 'summarize', 'draft', 'http_request', 'send_webhook_event'] });
    expect(all.status).toBe(200);
  });

  it('refuses a config.max_steps it could not use, on create and on update; other config keys are free', async () => {
    for (const maxSteps of ['lots', 0, 21, 2.5, null]) {
      const bad = await create({ name: 'Steps', role: 'Bounded', config: { max_steps: maxSteps, mood: 'calm' } });
      expectError(bad, 400, 'INVALID_INPUT');
      expect(bad.body.error.details.fields).toEqual([{ field: 'config', errors: ['config.max_steps must be an integer from 1 to 20'] }]);
    }
    const good = await create({ name: 'Steps', role: 'Bounded', config: { max_steps: 20, mood: 'calm' } });
    expect(good.status).toBe(201);
    expect(good.body.data.config).toEqual({ max_steps: 20, mood: 'calm' });
    const url = `/api/agents/${good.body.data.id}`;
    const patched = await t.http.patch(url).set('Authorization', owner).send({ config: { max_steps: 'lots' } });
    expectError(patched, 400, 'INVALID_INPUT');
    expect((await t.http.get(url).set('Authorization', owner)).body.data.config).toEqual({ max_steps: 20, mood: 'calm' });
  });

  it('answers 404 AGENT_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
    expectError(await t.http.get(`/api/agents/${MISSING}`).set('Authorization', owner), 404, 'AGENT_NOT_FOUND');
    expectError(await t.http.patch(`/api/agents/${MISSING}`).set('Authorization', owner).send({ name: 'x' }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.http.put(`/api/agents/${MISSING}`).set('Authorization', owner).send({ name: 'x' }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.http.delete(`/api/agents/${MISSING}`).set('Authorization', owner), 404, 'AGENT_NOT_FOUND');
    expectError(await t.http.get('/api/agents/not-a-uuid').set('Authorization', owner), 400, 'INVALID_INPUT');
  });

  it('PUT and PATCH both apply a partial update; maturity cannot be set', async () => {
    const { id } = (await create({ name: 'Bob', role: 'Sales', description: 'keeps this', system_prompt: 'Be brief.' })).body.data;
    const patched = await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ name: 'Bobby', tools: ['draft'] });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: 'Bobby', role: 'Sales', description: 'keeps this', system_prompt: 'Be brief.', tools: ['draft'] });
    expect(new Date(patched.body.data.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(patched.body.data.created_at).getTime());
    const put = await t.http.put(`/api/agents/${id}`).set('Authorization', owner).send({ status: 'paused', model: 'gpt-4o-mini' });
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({ name: 'Bobby', status: 'paused', model: 'gpt-4o-mini', maturity_level: 'student' });
    const promote = await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ maturity_level: 'autonomous' });
    expectError(promote, 400, 'INVALID_INPUT');
    expect(fieldsOf(promote)).toEqual(['maturity_level']);
    expectError(await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ status: 'deleted' }), 400, 'INVALID_INPUT');
    // null clears what can be cleared, and is refused for what cannot.
    const nulls = await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ name: null, role: null, tools: null, config: null, status: null });
    expectError(nulls, 400, 'INVALID_INPUT');
    expect(fieldsOf(nulls)).toEqual(['config', 'name', 'role', 'status', 'tools']);
    const cleared = await t.http.patch(`/api/agents/${id}`).set('Authorization', owner).send({ description: null, system_prompt: null, model: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ name: 'Bobby', description: null, system_prompt: null, model: null });
    expect((await t.http.get(`/api/agents/${id}`).set('Authorization', owner)).body.data.maturity_level).toBe('student');
  });

  describe('list', () => {
    let listTenant: TenantFixture;
    let auth: string;
    beforeAll(async () => {
      listTenant = await t.createTenant(undefined, 'enterprise');
      auth = `Bearer ${listTenant.ownerToken}`;
      for (const [name, role, description] of [
        ['charlie', 'Billing', 'Handles invoices'],
        ['Alpha', 'Support', 'First line 100% of the time'],
        ['bravo', 'Research', null],
        ['delta', 'Support', 'Escalations'],
      ] as const) {
        const res = await create({ name, role, ...(description ? { description } : {}) }, auth);
        expect(res.status).toBe(201);
      }
      const delta = (await t.http.get('/api/agents?q=delta').set('Authorization', auth)).body.data[0];
      await t.http.patch(`/api/agents/${delta.id}`).set('Authorization', auth).send({ status: 'archived' }).expect(200);
    });
    const names = (res: { body: { data: { name: string }[] } }) => res.body.data.map((a) => a.name);

    it('paginates, newest first by default', async () => {
      const first = await t.http.get('/api/agents?limit=3').set('Authorization', auth);
      expect(first.status).toBe(200);
      expect(first.body.pagination).toEqual({ page: 1, limit: 3, total: 4, pages: 2 });
      expect(names(first)).toEqual(['delta', 'bravo', 'Alpha']);
      const second = await t.http.get('/api/agents?limit=3&page=2').set('Authorization', auth);
      expect(names(second)).toEqual(['charlie']);
      expect((await t.http.get('/api/agents?page=9').set('Authorization', auth)).body).toMatchObject({ data: [], pagination: { total: 4 } });
    });

    it('sorts by name case-insensitively, and by maturity rank', async () => {
      expect(names(await t.http.get('/api/agents?sort=name&order=asc').set('Authorization', auth))).toEqual(['Alpha', 'bravo', 'charlie', 'delta']);
      expect(names(await t.http.get('/api/agents?sort=name&order=desc').set('Authorization', auth))).toEqual(['delta', 'charlie', 'bravo', 'Alpha']);
      const byLevel = await t.http.get('/api/agents?sort=maturity_level&order=asc').set('Authorization', auth);
      expect(byLevel.status).toBe(200);
      expect(byLevel.body.data.every((a: { maturity_level: string }) => a.maturity_level === 'student')).toBe(true);
      expect((await t.http.get('/api/agents?sort=updated_at&order=asc').set('Authorization', auth)).status).toBe(200);
    });

    it('searches name, role and description with q, literally', async () => {
      expect(names(await t.http.get('/api/agents?q=SUPPORT&sort=name&order=asc').set('Authorization', auth))).toEqual(['Alpha', 'delta']);
      expect(names(await t.http.get('/api/agents?q=invoice').set('Authorization', auth))).toEqual(['charlie']);
      expect(names(await t.http.get('/api/agents?q=100%25').set('Authorization', auth))).toEqual(['Alpha']);
      expect(names(await t.http.get('/api/agents?q=_').set('Authorization', auth))).toEqual([]);
      // Long enough for the trigram indexes (3+ characters): still literal, still within one field.
      expect(names(await t.http.get('/api/agents?q=ne%20100%25').set('Authorization', auth))).toEqual(['Alpha']);
      expect(names(await t.http.get('/api/agents?q=t_l').set('Authorization', auth))).toEqual([]); // not "t l" of "First line"
      expect(names(await t.http.get('/api/agents?q=ESCALATION').set('Authorization', auth))).toEqual(['delta']);
      expect(names(await t.http.get('/api/agents?q=Support%20First').set('Authorization', auth))).toEqual([]); // role + description
    });

    it('q and sort=maturity_level fit the indexes of tenant migration 0005', async () => {
      const runner = t.app.get(DataSource).createQueryRunner();
      await runner.connect();
      try {
        // Four rows are best read from the table: forbid that, to see whether an index can serve at all.
        await runner.query(`BEGIN; SET LOCAL enable_seqscan = off; SELECT set_config('search_path', '"tenant_${listTenant.slug.replace(/-/g, '_')}", public', true)`);
        const plan = async (sql: string, params: unknown[] = []) =>
          ((await runner.query(`EXPLAIN ${sql}`, params)) as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
        const search = await plan('SELECT count(1) FROM agents a WHERE (a.name ILIKE $1 OR a.role ILIKE $1 OR a.description ILIKE $1)', ['%invoice%']);
        for (const index of ['agents_name_trgm', 'agents_role_trgm', 'agents_description_trgm']) expect(search).toContain(index);
        expect(await plan(`SELECT a.id FROM agents a ORDER BY ${MATURITY_RANK} DESC, a.id DESC LIMIT 20`)).toContain('Index Scan Backward using agents_maturity_rank');
      } finally {
        await runner.query('ROLLBACK').catch(() => undefined);
        await runner.release();
      }
    });

    it('filters by status and maturity_level', async () => {
      expect(names(await t.http.get('/api/agents?status=archived').set('Authorization', auth))).toEqual(['delta']);
      expect((await t.http.get('/api/agents?status=active').set('Authorization', auth)).body.pagination.total).toBe(3);
      expect((await t.http.get('/api/agents?maturity_level=student').set('Authorization', auth)).body.pagination.total).toBe(4);
      expect((await t.http.get('/api/agents?maturity_level=autonomous').set('Authorization', auth)).body.pagination.total).toBe(0);
    });

    it('refuses unknown sorts, filters and values', async () => {
      for (const query of ['sort=role', 'status=deleted', 'maturity_level=expert', 'limit=101', 'order=up', 'colour=red']) {
        expectError(await t.http.get(`/api/agents?${query}`).set('Authorization', auth), 400, 'INVALID_INPUT');
      }
    });
  });

  describe('roles and credentials', () => {
    it('members list, create and update; only admins and owners delete', async () => {
      const member = await t.userToken(tenant, 'member');
      const memberAuth = `Bearer ${member.token}`;
      const created = await create({ name: 'Member made', role: 'Ops' }, memberAuth);
      expect(created.status).toBe(201);
      expect(created.body.data.created_by).toBe(member.id);
      expect((await t.http.patch(`/api/agents/${created.body.data.id}`).set('Authorization', memberAuth).send({ role: 'Ops 2' })).status).toBe(200);
      expectError(await t.http.delete(`/api/agents/${created.body.data.id}`).set('Authorization', memberAuth), 403, 'FORBIDDEN');
      const admin = await t.userToken(tenant, 'admin');
      expect((await t.http.delete(`/api/agents/${created.body.data.id}`).set('Authorization', `Bearer ${admin.token}`)).status).toBe(200);
      expectError(await t.http.get(`/api/agents/${created.body.data.id}`).set('Authorization', owner), 404, 'AGENT_NOT_FOUND');
    });

    it('eight concurrent deletes of one agent: one 200 and one agent.deleted event, the others 404 AGENT_NOT_FOUND', async () => {
      // A subscription to agent.deleted, so that every emitted event leaves a delivery row to count. Its
      // loopback URL is never called (private destinations are refused at delivery in this app).
      const schema = schemaForSlug(tenant.slug);
      const db = t.app.get(DataSource);
      const sealed = new SecretBox(t.config.encryptionKey).seal('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      const [hook] = await db.query(`INSERT INTO "${schema}".webhooks (url, events, secret_encrypted) VALUES ('http://127.0.0.1:9/hook', '{agent.deleted}', $1) RETURNING id`, [sealed]);
      try {
        for (let round = 0; round < 3; round++) {
          const agent = (await create({ name: `Deleted at once ${round}`, role: 'r' })).body.data;
          const answers = await Promise.all(Array.from({ length: 8 }, () => t.http.delete(`/api/agents/${agent.id}`).set('Authorization', owner)));
          expect(answers.map((res) => res.status).sort()).toEqual([200, 404, 404, 404, 404, 404, 404, 404]);
          for (const res of answers.filter((r) => r.status === 404)) expectError(res, 404, 'AGENT_NOT_FOUND');
          const events: unknown[] = await db.query(
            `SELECT id FROM "${schema}".webhook_deliveries WHERE webhook_id = $1 AND event = 'agent.deleted' AND (body::jsonb -> 'data' ->> 'id') = $2`,
            [hook.id, agent.id],
          );
          expect(events).toHaveLength(1);
          expectError(await t.http.get(`/api/agents/${agent.id}`).set('Authorization', owner), 404, 'AGENT_NOT_FOUND');
        }
      } finally {
        await db.query(`DELETE FROM public.webhook_queue WHERE delivery_id IN (SELECT id FROM "${schema}".webhook_deliveries WHERE webhook_id = $1)`, [hook.id]);
        await db.query(`DELETE FROM "${schema}".webhooks WHERE id = $1`, [hook.id]);
      }
    });

    it('an API key creates agents in its own tenant, recorded as their creator', async () => {
      const key = (await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: 'bot', role: 'member' })).body.data;
      const res = await t.http.post('/api/agents').set('X-API-Key', key.key).send({ name: 'Keyed', role: 'Bot' });
      expect(res.status).toBe(201);
      expect(res.body.data.created_by).toBe(key.id);
    });

    it('needs a credential', async () => {
      expectError(await t.http.get('/api/agents').set('X-Tenant-ID', tenant.slug), 401, 'UNAUTHORIZED');
      expectError(await t.http.post('/api/agents').send({ name: 'x', role: 'y' }), 401, 'UNAUTHORIZED');
    });
  });

  describe('tenant isolation', () => {
    it('another tenant’s agent is 404, its list is its own, and a foreign credential is 403', async () => {
      const other = await t.createTenant(undefined, 'enterprise');
      const otherAuth = `Bearer ${other.ownerToken}`;
      const mine = (await create({ name: 'Same name', role: 'Twin' })).body.data;
      const theirs = (await create({ name: 'Same name', role: 'Twin' }, otherAuth)).body.data;
      expectError(await t.http.get(`/api/agents/${theirs.id}`).set('Authorization', owner), 404, 'AGENT_NOT_FOUND');
      expectError(await t.http.patch(`/api/agents/${theirs.id}`).set('Authorization', owner).send({ name: 'hijack' }), 404, 'AGENT_NOT_FOUND');
      expectError(await t.http.delete(`/api/agents/${theirs.id}`).set('Authorization', owner), 404, 'AGENT_NOT_FOUND');
      const theirList = (await t.http.get('/api/agents?q=Same').set('Authorization', otherAuth)).body.data;
      expect(theirList.map((a: { id: string }) => a.id)).toEqual([theirs.id]);
      expect((await t.http.get(`/api/agents/${theirs.id}`).set('Authorization', otherAuth)).body.data.name).toBe('Same name');
      expect(mine.id).not.toBe(theirs.id);
      expectError(await t.http.get('/api/agents').set('Authorization', owner).set('X-Tenant-ID', other.slug), 403, 'FORBIDDEN');
    });
  });

  describe('plan limit', () => {
    it('a free tenant gets 3 agents; the 4th is 403 AGENT_LIMIT_EXCEEDED; deleting frees a slot', async () => {
      const free = await t.createTenant(undefined, 'free');
      const auth = `Bearer ${free.ownerToken}`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await create({ name: `a${i}`, role: 'r' }, auth);
        expect(res.status).toBe(201);
        ids.push(res.body.data.id);
      }
      const refused = await create({ name: 'a3', role: 'r' }, auth);
      expectError(refused, 403, 'AGENT_LIMIT_EXCEEDED');
      expect(refused.body.error.details).toEqual({ limit: 3, current: 3, plan: 'free' });
      await t.http.delete(`/api/agents/${ids[0]}`).set('Authorization', auth).expect(200);
      expect((await create({ name: 'a4', role: 'r' }, auth)).status).toBe(201);
      expect((await t.http.get('/api/agents').set('Authorization', auth)).body.pagination.total).toBe(3);
    });

    it('holds under concurrent creates: 12 at once on a free tenant, exactly 3 created', async () => {
      const free = await t.createTenant(undefined, 'free');
      const auth = `Bearer ${free.ownerToken}`;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => create({ name: `c${i}`, role: 'r' }, auth)));
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      for (const res of results.filter((r) => r.status !== 201)) expectError(res, 403, 'AGENT_LIMIT_EXCEEDED');
      expect((await t.http.get('/api/agents').set('Authorization', auth)).body.pagination.total).toBe(3);
    });

    it('follows the tenant’s max_agents override and plan changes at once', async () => {
      const solo = await t.createTenant(undefined, 'solo');
      const auth = `Bearer ${solo.ownerToken}`;
      await t.http.patch(`/api/tenants/${solo.slug}`).set('X-Platform-Key', PLATFORM_KEY).send({ max_agents: 1 }).expect(200);
      expect((await create({ name: 'one', role: 'r' }, auth)).status).toBe(201);
      expect((await create({ name: 'two', role: 'r' }, auth)).body.error.details).toEqual({ limit: 1, current: 1, plan: 'solo' });
      await t.http.patch(`/api/tenants/${solo.slug}`).set('X-Platform-Key', PLATFORM_KEY).send({ max_agents: null }).expect(200);
      expect((await create({ name: 'two', role: 'r' }, auth)).status).toBe(201);
      await t.http.patch(`/api/tenants/${solo.slug}`).set('X-Platform-Key', PLATFORM_KEY).send({ max_agents: 0 }).expect(200);
      expectError(await create({ name: 'three', role: 'r' }, auth), 403, 'AGENT_LIMIT_EXCEEDED');
    });
  });

  describe('Idempotency-Key on POST /api/agents', () => {
    it('a repeat with the same key and body returns the first response and creates nothing more', async () => {
      const key = `create-${Date.now()}`;
      const body = { name: 'Once', role: 'Idempotent', config: { a: 1, b: [1, 2] } };
      const first = await t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Same body with its keys in another order: the same request.
      const again = await t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', key).send({ role: 'Idempotent', config: { b: [1, 2], a: 1 }, name: 'Once' });
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data).toEqual(first.body.data);
      expect(again.body.meta.request_id).not.toBe(first.body.meta.request_id);
      const listed = await t.http.get('/api/agents?q=Idempotent').set('Authorization', owner);
      expect(listed.body.pagination.total).toBe(1);
    });

    it('the same key with another body is 409 CONFLICT; without a key nothing is deduplicated', async () => {
      const key = `conflict-${Date.now()}`;
      expect((await t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', key).send({ name: 'K1', role: 'r' })).status).toBe(201);
      expectError(await t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', key).send({ name: 'K2', role: 'r' }), 409, 'CONFLICT');
      const plain = await Promise.all([create({ name: 'NoKey', role: 'r' }), create({ name: 'NoKey', role: 'r' })]);
      expect(plain.map((r) => r.status)).toEqual([201, 201]);
    });

    it('replays an error response too (a 4xx), and refuses a malformed key', async () => {
      const free = await t.createTenant(undefined, 'free');
      const auth = `Bearer ${free.ownerToken}`;
      for (let i = 0; i < 3; i++) await create({ name: `f${i}`, role: 'r' }, auth).expect(201);
      const key = 'over-the-limit';
      const first = await t.http.post('/api/agents').set('Authorization', auth).set('Idempotency-Key', key).send({ name: 'f3', role: 'r' });
      expectError(first, 403, 'AGENT_LIMIT_EXCEEDED');
      const again = await t.http.post('/api/agents').set('Authorization', auth).set('Idempotency-Key', key).send({ name: 'f3', role: 'r' });
      expectError(again, 403, 'AGENT_LIMIT_EXCEEDED');
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.error).toEqual(first.body.error);
      expectError(await t.http.post('/api/agents').set('Authorization', auth).set('Idempotency-Key', 'has space').send({ name: 'x', role: 'r' }), 400, 'INVALID_INPUT');
      expectError(await t.http.post('/api/agents').set('Authorization', auth).set('Idempotency-Key', 'k'.repeat(256)).send({ name: 'x', role: 'r' }), 400, 'INVALID_INPUT');
    });

    it('keys are per tenant: the same key in two tenants creates one agent in each', async () => {
      const other = await t.createTenant(undefined, 'enterprise');
      const key = `shared-${Date.now()}`;
      const mine = await t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', key).send({ name: 'Twin key', role: 'r' });
      const theirs = await t.http.post('/api/agents').set('Authorization', `Bearer ${other.ownerToken}`).set('Idempotency-Key', key).send({ name: 'Twin key', role: 'r' });
      expect([mine.status, theirs.status]).toEqual([201, 201]);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    });

    it('concurrent duplicates: one creates, the others replay or get 409 while it runs, never a second agent', async () => {
      const key = `race-${Date.now()}`;
      const results = await Promise.all(
        Array.from({ length: 8 }, () => t.http.post('/api/agents').set('Authorization', owner).set('Idempotency-Key', key).send({ name: 'Raced', role: 'r' })),
      );
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.data.id)).size).toBe(1);
      for (const res of results.filter((r) => r.status !== 201)) expectError(res, 409, 'CONFLICT');
      expect((await t.http.get('/api/agents?q=Raced').set('Authorization', owner)).body.pagination.total).toBe(1);
    });
  });
});
