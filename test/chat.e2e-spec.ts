import { DataSource } from 'typeorm';
import { TenantFixture, TestApp, expectError } from './support/test-app';

// Sessions CRUD, visibility and isolation, and POST /api/chat on the local engine (streams: chat-stream.e2e-spec.ts).

const MISSING = '00000000-0000-4000-8000-000000000000';
const schemaOf = (slug: string) => `"tenant_${slug.replace(/-/g, '_')}"`;
const fields = (res: { body: { error: { details: { fields: Array<{ field: string; errors: string[] }> } } } }) =>
  res.body.error.details.fields.map((f) => f.field).sort();

describe('Chat sessions and POST /api/chat', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let other: TenantFixture;
  let owner: string;
  let memberA: string;
  let memberB: string;
  let admin: string;
  let agentId: string;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant(undefined, 'enterprise');
    other = await t.createTenant(undefined, 'enterprise');
    owner = `Bearer ${tenant.ownerToken}`;
    memberA = `Bearer ${(await t.userToken(tenant, 'member')).token}`;
    memberB = `Bearer ${(await t.userToken(tenant, 'member')).token}`;
    admin = `Bearer ${(await t.userToken(tenant, 'admin')).token}`;
    agentId = (await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Chatty', role: 'Assistant', tools: ['summarize', 'draft'] })).body.data.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);
  const createSession = (auth: string, body: Record<string, unknown>) => t.http.post('/api/sessions').set('Authorization', auth).send(body);
  const chat = (auth: string, body: Record<string, unknown>) => t.http.post('/api/chat').set('Authorization', auth).send(body);

  describe('sessions', () => {
    it('creates a session (201) and validates the body with field details', async () => {
      const res = await createSession(memberA, { agent_id: agentId, title: 'Invoices', metadata: { channel: 'web' } });
      expect(res.status).toBe(201);
      expect(res.body.data).toEqual({
        id: expect.any(String),
        agent_id: agentId,
        title: 'Invoices',
        metadata: { channel: 'web' },
        owner: { type: 'user', id: expect.any(String) },
        message_count: 0,
        last_message_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const invalid = await createSession(memberA, { agent_id: 'nope', title: 7, metadata: 'x', extra: true });
      expectError(invalid, 400, 'INVALID_INPUT');
      expect(fields(invalid)).toEqual(['agent_id', 'extra', 'metadata', 'title']);
      expectError(await createSession(memberA, {}), 400, 'INVALID_INPUT');
      expectError(await createSession(memberA, { agent_id: MISSING }), 404, 'AGENT_NOT_FOUND');
      expectError(await createSession(memberA, { agent_id: agentId, metadata: { big: 'x'.repeat(20_000) } }), 400, 'INVALID_INPUT');
      expectError(await t.http.post('/api/sessions').send({ agent_id: agentId }), 401, 'UNAUTHORIZED');
    });

    it('lists with pagination, agent_id, q and sort; bad values are 400', async () => {
      const second = (await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Other', role: 'Assistant' })).body.data.id;
      const mine = `Bearer ${(await t.userToken(tenant, 'member')).token}`;
      await createSession(mine, { agent_id: agentId, title: 'Alpha plans' });
      await createSession(mine, { agent_id: agentId, title: 'Beta plans' });
      await createSession(mine, { agent_id: second, title: 'Gamma' });
      const all = await t.http.get('/api/sessions?limit=2&sort=created_at&order=asc').set('Authorization', mine);
      expect(all.status).toBe(200);
      expect(all.body.pagination).toEqual({ page: 1, limit: 2, total: 3, pages: 2 });
      expect(all.body.data.map((s: { title: string }) => s.title)).toEqual(['Alpha plans', 'Beta plans']);
      const byAgent = await t.http.get(`/api/sessions?agent_id=${second}`).set('Authorization', mine);
      expect(byAgent.body.data.map((s: { title: string }) => s.title)).toEqual(['Gamma']);
      const search = await t.http.get('/api/sessions?q=PLANS&sort=updated_at').set('Authorization', mine);
      expect(search.body.data.map((s: { title: string }) => s.title).sort()).toEqual(['Alpha plans', 'Beta plans']);
      expect((await t.http.get('/api/sessions?sort=last_message_at').set('Authorization', mine)).status).toBe(200);
      for (const query of ['sort=title', 'order=up', 'limit=101', 'agent_id=x', 'page=0']) {
        expectError(await t.http.get(`/api/sessions?${query}`).set('Authorization', mine), 400, 'INVALID_INPUT');
      }
    });

    it('visibility: members see their own sessions only, admins and owners all; others get 404', async () => {
      const created = (await createSession(memberA, { agent_id: agentId, title: 'Private to A' })).body.data;
      const listB = await t.http.get('/api/sessions?limit=100').set('Authorization', memberB);
      expect(listB.body.data.map((s: { id: string }) => s.id)).not.toContain(created.id);
      expectError(await t.http.get(`/api/sessions/${created.id}`).set('Authorization', memberB), 404, 'NOT_FOUND');
      expectError(await t.http.delete(`/api/sessions/${created.id}`).set('Authorization', memberB), 404, 'NOT_FOUND');
      expectError(await chat(memberB, { session_id: created.id, message: 'hi' }), 404, 'NOT_FOUND');
      for (const privileged of [admin, owner]) {
        const list = await t.http.get('/api/sessions?limit=100').set('Authorization', privileged);
        expect(list.body.data.map((s: { id: string }) => s.id)).toContain(created.id);
        expect((await t.http.get(`/api/sessions/${created.id}`).set('Authorization', privileged)).status).toBe(200);
      }
      const listA = await t.http.get('/api/sessions?limit=100').set('Authorization', memberA);
      expect(listA.body.data.map((s: { id: string }) => s.id)).toContain(created.id);
    });

    it('tenant isolation: another tenant’s session or turn is 404', async () => {
      const created = (await createSession(owner, { agent_id: agentId })).body.data;
      const answer = (await chat(owner, { session_id: created.id, message: 'hello' })).body.data;
      const stranger = `Bearer ${other.ownerToken}`;
      expectError(await t.http.get(`/api/sessions/${created.id}`).set('Authorization', stranger), 404, 'NOT_FOUND');
      expectError(await t.http.delete(`/api/sessions/${created.id}`).set('Authorization', stranger), 404, 'NOT_FOUND');
      expectError(await chat(stranger, { session_id: created.id, message: 'hi' }), 404, 'NOT_FOUND');
      expectError(await chat(stranger, { agent_id: agentId, message: 'hi' }), 404, 'AGENT_NOT_FOUND');
      expectError(await t.http.post(`/api/chat/turns/${answer.turn_id}/cancel`).set('Authorization', stranger), 404, 'NOT_FOUND');
      expectError(await t.http.get('/api/chat/stream').query({ session_id: created.id, turn_id: answer.turn_id }).set('Authorization', stranger), 404, 'NOT_FOUND');
      expect((await t.http.get('/api/sessions').set('Authorization', stranger)).body.pagination.total).toBe(0);
    });

    it('gets a session with its messages paginated oldest first, and deletes it with its messages', async () => {
      const session = (await createSession(memberA, { agent_id: agentId })).body.data;
      for (const message of ['one', 'two', 'three']) expect((await chat(memberA, { session_id: session.id, message })).status).toBe(200);
      const page1 = await t.http.get(`/api/sessions/${session.id}?messages_limit=4`).set('Authorization', memberA);
      expect(page1.status).toBe(200);
      expect(page1.body.data.message_count).toBe(6);
      expect(page1.body.data.last_message_at).toEqual(expect.any(String));
      expect(page1.body.data.messages_pagination).toEqual({ page: 1, limit: 4, total: 6, pages: 2 });
      expect(page1.body.data.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(page1.body.data.messages[0]).toMatchObject({ content: 'one', status: 'complete', usage: null, episode_id: null });
      const page2 = await t.http.get(`/api/sessions/${session.id}?messages_page=2&messages_limit=4`).set('Authorization', memberA);
      expect(page2.body.data.messages.map((m: { content: string }) => m.content.replace(/^\[local model\] Task: /, ''))).toEqual(['three', 'three']);
      expectError(await t.http.get(`/api/sessions/${session.id}?messages_limit=500`).set('Authorization', memberA), 400, 'INVALID_INPUT');
      // Decimal digits only: not read as 16, 1000 or 4.
      for (const query of ['messages_page=0x10', 'messages_page=1e3', 'messages_limit=4.0', 'messages_limit=+4']) {
        expectError(await t.http.get(`/api/sessions/${session.id}?${query}`).set('Authorization', memberA), 400, 'INVALID_INPUT');
      }
      expectError(await t.http.get('/api/sessions/not-a-uuid').set('Authorization', memberA), 400, 'INVALID_INPUT');

      const removed = await t.http.delete(`/api/sessions/${session.id}`).set('Authorization', memberA);
      expect(removed.status).toBe(200);
      expect(removed.body.data).toBeNull();
      expectError(await t.http.get(`/api/sessions/${session.id}`).set('Authorization', memberA), 404, 'NOT_FOUND');
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM ${schemaOf(tenant.slug)}.chat_messages WHERE session_id = $1`, [session.id]);
      expect(n).toBe(0);
      expectError(await t.http.delete(`/api/sessions/${session.id}`).set('Authorization', memberA), 404, 'NOT_FOUND');
    });
  });

  describe('POST /api/chat', () => {
    it('with agent_id only: creates a session, answers, stores both messages and records an episode with session_id', async () => {
      const res = await chat(memberA, { agent_id: agentId, message: 'What is the status of invoice 42?' });
      expect(res.status).toBe(200);
      const data = res.body.data;
      expect(data).toEqual({
        session_id: expect.any(String),
        turn_id: expect.any(String),
        message: expect.objectContaining({ role: 'assistant', status: 'complete', session_id: data.session_id, turn_id: data.turn_id, episode_id: data.episode_id }),
        episode_id: expect.any(String),
        usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
      });
      expect(data.message.content).toBe('[local model] Task: What is the status of invoice 42?');
      expect(data.usage.prompt_tokens).toBeGreaterThan(0);
      const session = await t.http.get(`/api/sessions/${data.session_id}`).set('Authorization', memberA);
      expect(session.body.data).toMatchObject({ agent_id: agentId, title: 'What is the status of invoice 42?', message_count: 2 });
      expect(session.body.data.messages[1]).toEqual(data.message);
      const [episode] = await sql(
        `SELECT session_id, execution_id, outcome, status, task, output, maturity_at_time FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`,
        [data.episode_id],
      );
      expect(episode).toEqual({
        session_id: data.session_id,
        execution_id: null,
        outcome: 'success',
        status: 'success',
        task: 'What is the status of invoice 42?',
        output: data.message.content,
        maturity_at_time: 'student',
      });
      // The episode is the agent's memory: listed with the others.
      const episodes = await t.http.get(`/api/graduation/agents/${agentId}/episodes?limit=100`).set('Authorization', memberA);
      expect(episodes.body.data.map((e: { id?: string; episode_id?: string }) => e.id ?? e.episode_id)).toContain(data.episode_id);
    });

    it('validates: message required, session_id or agent_id, agent_id must match the session', async () => {
      const missing = await chat(memberA, { agent_id: agentId });
      expectError(missing, 400, 'INVALID_INPUT');
      expect(fields(missing)).toEqual(['message']);
      const neither = await chat(memberA, { message: 'hi' });
      expectError(neither, 400, 'INVALID_INPUT');
      expect(fields(neither)).toEqual(['agent_id', 'session_id']);
      const bad = await chat(memberA, { session_id: 'x', agent_id: 5, message: '' });
      expect(fields(bad)).toEqual(['agent_id', 'message', 'session_id']);
      const blank = await chat(memberA, { agent_id: agentId, message: ' \n\t ' });
      expectError(blank, 400, 'INVALID_INPUT');
      expect(fields(blank)).toEqual(['message']);
      const second = (await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Mismatch', role: 'x' })).body.data.id;
      const session = (await createSession(memberA, { agent_id: agentId })).body.data;
      const mismatch = await chat(memberA, { session_id: session.id, agent_id: second, message: 'hi' });
      expectError(mismatch, 400, 'INVALID_INPUT');
      expect(fields(mismatch)).toEqual(['agent_id']);
      expectError(await chat(memberA, { session_id: MISSING, message: 'hi' }), 404, 'NOT_FOUND');
      expectError(await chat(memberA, { agent_id: MISSING, message: 'hi' }), 404, 'AGENT_NOT_FOUND');
      expectError(await t.http.post('/api/chat').send({ agent_id: agentId, message: 'hi' }), 401, 'UNAUTHORIZED');
      // Nothing half-done: no session was created by the refused requests.
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM ${schemaOf(tenant.slug)}.chat_sessions WHERE agent_id = $1`, [second]);
      expect(n).toBe(0);
    });

    it('a paused agent cannot chat: 403 GOVERNANCE_VIOLATION', async () => {
      const paused = (await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Sleepy', role: 'x' })).body.data.id;
      await t.http.patch(`/api/agents/${paused}`).set('Authorization', owner).send({ status: 'paused' }).expect(200);
      expectError(await chat(memberA, { agent_id: paused, message: 'hi' }), 403, 'GOVERNANCE_VIOLATION');
    });

    it('governance applies to tool calls: an allowed one runs, a blocked one does not and the episode shows it', async () => {
      const allowed = await chat(memberA, { agent_id: agentId, message: 'use summarize on: The invoice is late. It was due Monday.' });
      expect(allowed.status).toBe(200);
      expect(allowed.body.data.message.content).toMatch(/^\[local model\] Calling summarize\.\n\n\[local model\] Task: /);
      expect(allowed.body.data.message.content).toMatch(/Tool results:\n- summarize:/);

      const blocked = await chat(memberA, { agent_id: agentId, message: 'use draft for a reply to the customer' });
      expect(blocked.status).toBe(200);
      expect(blocked.body.data.message.content).toMatch(/Blocked by governance/);
      const [episode] = await sql(`SELECT outcome, status, governance_violations, compliance_score FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [
        blocked.body.data.episode_id,
      ]);
      expect(episode).toEqual({ outcome: 'partial', status: 'blocked', governance_violations: 1, compliance_score: 0.6 });
      const decisions = await sql(
        `SELECT action, decision, execution_id FROM ${schemaOf(tenant.slug)}.governance_decisions WHERE agent_id = $1 AND action = 'draft'`,
        [agentId],
      );
      expect(decisions).toEqual([{ action: 'draft', decision: 'block', execution_id: null }]);
    });

    it('supports Idempotency-Key: a repeat returns the first answer without a second turn', async () => {
      const key = `chat-${Date.now()}`;
      const first = await chat(memberA, { agent_id: agentId, message: 'only once please' }).set('Idempotency-Key', key);
      const again = await t.http.post('/api/chat').set('Authorization', memberA).set('Idempotency-Key', key).send({ agent_id: agentId, message: 'only once please' });
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data).toEqual(first.body.data);
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM ${schemaOf(tenant.slug)}.chat_messages WHERE content = 'only once please'`);
      expect(n).toBe(1);
    });

    it('cancelling a finished turn is 409; an unknown one 404', async () => {
      const done = (await chat(memberA, { agent_id: agentId, message: 'quick' })).body.data;
      expectError(await t.http.post(`/api/chat/turns/${done.turn_id}/cancel`).set('Authorization', memberA), 409, 'CONFLICT');
      expectError(await t.http.post(`/api/chat/turns/${done.turn_id}/cancel`).set('Authorization', memberB), 404, 'NOT_FOUND');
      expectError(await t.http.post(`/api/chat/turns/${MISSING}/cancel`).set('Authorization', memberA), 404, 'NOT_FOUND');
    });
  });
});
