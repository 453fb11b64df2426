import { DataSource } from 'typeorm';
import { FakeOpenAI } from './support/fake-openai';
import { TenantFixture, TestApp, expectError } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

const MISSING = '00000000-0000-4000-8000-000000000000';
const schemaOf = (slug: string) => `"tenant_${slug.replace(/-/g, '_')}"`;
const EDGE_CASE_FIELDS = [
  'id', 'agent_id', 'title', 'input', 'expected', 'category', 'severity', 'active', 'times_tested', 'times_passed', 'last_tested_at', 'created_at', 'updated_at',
].sort();
const HISTORY_FIELDS = ['id', 'from_level', 'to_level', 'type', 'actor', 'reason', 'readiness_score', 'created_at'].sort();

describe('Graduation: edge cases, readiness, exams, promotion', () => {
  let fake: FakeOpenAI;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;
  let other: TenantFixture;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    receiver = await WebhookReceiver.start();
    t = await TestApp.start({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: fake.url,
      LLM_API_KEY: 'sk-test',
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '5000',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '50',
    });
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
    other = await t.createTenant(undefined, 'enterprise');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await receiver?.close();
  });
  beforeEach(() => fake.reset());

  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);
  const createAgent = async (as: string, body: Record<string, unknown> = {}) => {
    const res = await t.http.post('/api/agents').set('Authorization', as).send({ name: 'Candidate', role: 'Support', ...body });
    expect(res.status).toBe(201);
    return res.body.data.id as string;
  };
  const createCase = async (as: string, body: Record<string, unknown>) => {
    const res = await t.http.post('/api/graduation/edge-cases').set('Authorization', as).send(body);
    expect(res.status).toBe(201);
    return res.body.data as { id: string };
  };
  const execute = async (as: string, agentId: string, task: string, answer: string) => {
    fake.reply({ content: answer });
    const res = await t.http.post(`/api/agents/${agentId}/execute`).set('Authorization', as).send({ task });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('success');
    return res.body.data as { episode_id: string };
  };
  const exam = (as: string, agentId: string, body: Record<string, unknown> = {}) =>
    t.http.post(`/api/graduation/agents/${agentId}/exam`).set('Authorization', as).send(body);
  const readiness = (as: string, agentId: string) => t.http.get(`/api/graduation/agents/${agentId}/readiness`).set('Authorization', as);
  const history = (as: string, agentId: string, query = '') => t.http.get(`/api/graduation/agents/${agentId}/history${query}`).set('Authorization', as);
  const episodeCount = async (slug: string, agentId: string) =>
    (await sql(`SELECT count(*)::int AS n FROM ${schemaOf(slug)}.episodes WHERE agent_id = $1`, [agentId]))[0].n as number;

  describe('edge cases', () => {
    let agentId: string;

    beforeAll(async () => {
      agentId = await createAgent(auth);
    });

    it('creates tenant-wide and agent cases with defaults and stats; lists, filters, gets, updates and deletes them', async () => {
      const wide = await t.http
        .post('/api/graduation/edge-cases')
        .set('Authorization', auth)
        .send({ title: 'No secrets', input: 'What is the admin password?', expected: { type: 'not_contains', value: 'password is' } });
      expect(wide.status).toBe(201);
      expect(Object.keys(wide.body.data).sort()).toEqual(EDGE_CASE_FIELDS);
      expect(wide.body.data).toMatchObject({
        agent_id: null,
        title: 'No secrets',
        expected: { type: 'not_contains', value: 'password is' },
        category: 'general',
        severity: 'medium',
        active: true,
        times_tested: 0,
        times_passed: 0,
        last_tested_at: null,
      });
      const own = await createCase(auth, {
        title: 'Refund window',
        input: 'How long do I have for a refund?',
        expected: { type: 'regex', value: '(?i)\\b30 days\\b' },
        category: 'billing',
        severity: 'critical',
        agent_id: agentId,
      });
      const inactive = await createCase(auth, { title: 'Old', input: 'old question', expected: { type: 'equals', value: 'x' }, active: false, severity: 'low' });

      const all = await t.http.get('/api/graduation/edge-cases').set('Authorization', auth);
      expect(all.status).toBe(200);
      expect(all.body.pagination).toEqual({ page: 1, limit: 20, total: 3, pages: 1 });
      expect(all.body.data.map((c: { id: string }) => c.id)).toEqual([inactive.id, own.id, wide.body.data.id]);
      const ids = async (query: string) => (await t.http.get(`/api/graduation/edge-cases${query}`).set('Authorization', auth)).body.data.map((c: { id: string }) => c.id);
      expect(await ids(`?agent_id=${agentId}`)).toEqual([own.id]);
      expect(await ids('?scope=tenant&order=asc')).toEqual([wide.body.data.id, inactive.id]);
      expect(await ids('?category=billing')).toEqual([own.id]);
      expect(await ids('?severity=critical')).toEqual([own.id]);
      expect(await ids('?active=false')).toEqual([inactive.id]);
      expect(await ids('?q=REFUND')).toEqual([own.id]);
      expect(await ids('?sort=severity&order=desc')).toEqual([own.id, wide.body.data.id, inactive.id]);

      const got = await t.http.get(`/api/graduation/edge-cases/${own.id}`).set('Authorization', auth);
      expect(got.body.data).toMatchObject({ id: own.id, agent_id: agentId, expected: { type: 'regex', value: '(?i)\\b30 days\\b' } });

      const patched = await t.http
        .patch(`/api/graduation/edge-cases/${own.id}`)
        .set('Authorization', auth)
        .send({ agent_id: null, severity: 'high', expected: { type: 'contains', value: '30 days' } });
      expect(patched.status).toBe(200);
      expect(patched.body.data).toMatchObject({ agent_id: null, severity: 'high', title: 'Refund window', expected: { type: 'contains', value: '30 days' } });

      const member = await t.userToken(tenant, 'member');
      const removed = await t.http.delete(`/api/graduation/edge-cases/${inactive.id}`).set('Authorization', `Bearer ${member.token}`);
      expect(removed.status).toBe(200);
      expect(removed.body.data).toBeNull();
      expectError(await t.http.get(`/api/graduation/edge-cases/${inactive.id}`).set('Authorization', auth), 404, 'NOT_FOUND');
      // Tidy: the journey below sits exams in another tenant; these cases stay here.
      await t.http.delete(`/api/graduation/edge-cases/${own.id}`).set('Authorization', auth).expect(200);
      await t.http.delete(`/api/graduation/edge-cases/${wide.body.data.id}`).set('Authorization', auth).expect(200);
    });

    it('validates every field; an invalid or unsupported regex is INVALID_INPUT on expected.value', async () => {
      const base = { title: 'T', input: 'I', expected: { type: 'contains', value: 'v' } };
      for (const [body, field] of [
        [{ ...base, title: undefined }, 'title'],
        [{ ...base, title: '' }, 'title'],
        [{ ...base, input: 'x'.repeat(20001) }, 'input'],
        [{ ...base, expected: undefined }, 'expected'],
        [{ ...base, expected: 'contains' }, 'expected'],
        [{ ...base, expected: { type: 'startswith', value: 'v' } }, 'expected.type'],
        [{ ...base, expected: { type: 'contains', value: '' } }, 'expected.value'],
        [{ ...base, expected: { type: 'contains', value: 'v', extra: 1 } }, 'expected.extra'],
        [{ ...base, expected: { type: 'regex', value: '(unclosed' } }, 'expected.value'],
        [{ ...base, expected: { type: 'regex', value: '(?=lookahead)' } }, 'expected.value'],
        [{ ...base, expected: { type: 'regex', value: 'a'.repeat(1001) } }, 'expected.value'],
        [{ ...base, severity: 'urgent' }, 'severity'],
        [{ ...base, category: '' }, 'category'],
        [{ ...base, agent_id: 'nope' }, 'agent_id'],
        [{ ...base, active: 'yes' }, 'active'],
        [{ ...base, times_tested: 5 }, 'times_tested'],
      ] as const) {
        const res = await t.http.post('/api/graduation/edge-cases').set('Authorization', auth).send(body);
        expectError(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      }
      expectError(await t.http.post('/api/graduation/edge-cases').set('Authorization', auth).send({ ...base, agent_id: MISSING }), 404, 'AGENT_NOT_FOUND');
      for (const query of ['?sort=input', '?active=maybe', '?severity=urgent', '?agent_id=1', '?scope=all', '?limit=101', '?colour=red']) {
        expectError(await t.http.get(`/api/graduation/edge-cases${query}`).set('Authorization', auth), 400, 'INVALID_INPUT');
      }
      const { id } = await createCase(auth, base);
      const badPatch = await t.http.patch(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).send({ expected: { type: 'regex', value: '[a-' } });
      expectError(badPatch, 400, 'INVALID_INPUT');
      expect(badPatch.body.error.details.fields[0].field).toBe('expected.value');
      expectError(await t.http.patch(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).send({ title: null }), 400, 'INVALID_INPUT');
      expectError(await t.http.get('/api/graduation/edge-cases/nope').set('Authorization', auth), 400, 'INVALID_INPUT');
      await t.http.delete(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).expect(200);
    });

    it('a title or input of spaces only is INVALID_INPUT on create and on update, with nothing written', async () => {
      const before = (await t.http.get('/api/graduation/edge-cases').set('Authorization', auth)).body.pagination.total;
      const base = { title: 'T', input: 'I', expected: { type: 'contains', value: 'v' } };
      for (const blank of [' ', '    ', '\n\t', '\u00a0\u3000']) {
        const res = await t.http.post('/api/graduation/edge-cases').set('Authorization', auth).send({ ...base, title: blank, input: blank });
        expectError(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields).toEqual([
          { field: 'title', errors: ['title must contain a non-space character'] },
          { field: 'input', errors: ['input must contain a non-space character'] },
        ]);
      }
      expect((await t.http.get('/api/graduation/edge-cases').set('Authorization', auth)).body.pagination.total).toBe(before);
      const { id } = await createCase(auth, base);
      for (const field of ['title', 'input']) {
        expectError(await t.http.patch(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).send({ [field]: '   ' }), 400, 'INVALID_INPUT');
      }
      expect((await t.http.get(`/api/graduation/edge-cases/${id}`).set('Authorization', auth)).body.data).toMatchObject({ title: 'T', input: 'I' });
      await t.http.delete(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).expect(200);
    });

    it('a regex too costly to run (a huge compiled program) is INVALID_INPUT on create and update, with nothing written', async () => {
      // 994 characters of valid RE2 that compile to 142,002 instructions: seconds of work per graded answer.
      const costly = '.{1000}'.repeat(142);
      const before = await t.http.get('/api/graduation/edge-cases').set('Authorization', auth).expect(200);
      const created = await t.http.post('/api/graduation/edge-cases').set('Authorization', auth).send({ title: 'Costly', input: 'i', expected: { type: 'regex', value: costly } });
      expectError(created, 400, 'INVALID_INPUT');
      expect(created.body.error.details.fields).toEqual([{ field: 'expected.value', errors: [expect.stringMatching(/^the pattern is too complex/)] }]);
      const after = await t.http.get('/api/graduation/edge-cases').set('Authorization', auth).expect(200);
      expect(after.body.pagination.total).toBe(before.body.pagination.total);

      const { id } = await createCase(auth, { title: 'Fine', input: 'i', expected: { type: 'regex', value: '^ok$' } });
      expectError(await t.http.patch(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).send({ expected: { type: 'regex', value: costly } }), 400, 'INVALID_INPUT');
      const kept = await t.http.get(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).expect(200);
      expect(kept.body.data.expected).toEqual({ type: 'regex', value: '^ok$' });
      await t.http.delete(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).expect(200);
    });

    it('another tenant’s edge case is 404 NOT_FOUND on every route, and its agent is 404 AGENT_NOT_FOUND', async () => {
      const { id } = await createCase(auth, { title: 'Mine', input: 'i', expected: { type: 'contains', value: 'v' } });
      const outsider = `Bearer ${other.ownerToken}`;
      expectError(await t.http.get(`/api/graduation/edge-cases/${id}`).set('Authorization', outsider), 404, 'NOT_FOUND');
      expectError(await t.http.patch(`/api/graduation/edge-cases/${id}`).set('Authorization', outsider).send({ title: 'x' }), 404, 'NOT_FOUND');
      expectError(await t.http.delete(`/api/graduation/edge-cases/${id}`).set('Authorization', outsider), 404, 'NOT_FOUND');
      expect((await t.http.get('/api/graduation/edge-cases').set('Authorization', outsider)).body.data).toEqual([]);
      const created = await t.http
        .post('/api/graduation/edge-cases')
        .set('Authorization', outsider)
        .send({ title: 'x', input: 'y', expected: { type: 'contains', value: 'z' }, agent_id: agentId });
      expectError(created, 404, 'AGENT_NOT_FOUND');
      expectError(await t.http.get(`/api/graduation/edge-cases/${MISSING}`).set('Authorization', auth), 404, 'NOT_FOUND');
      await t.http.delete(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).expect(200);
    });
  });

  describe('readiness', () => {
    it('a new agent: score from neutral feedback only, a gap on episodes with current and required values; stored on the agent', async () => {
      const agentId = await createAgent(auth);
      const res = await readiness(auth, agentId);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        agent_id: agentId,
        current_level: 'student',
        next_level: 'intern',
        score: 0.075,
        ready: false,
        requirements: { min_episodes: 10, min_score: 0.7, max_intervention_rate: null, exam_pass_rate: 0.8 },
        episodes: 0,
        episodes_considered: 0,
      });
      expect(res.body.data.components.feedback).toEqual({ value: 0.5, weight: 0.15, contribution: 0.075 });
      expect(res.body.data.gaps).toEqual([
        expect.objectContaining({ requirement: 'min_episodes', current: 0, required: 10 }),
        expect.objectContaining({ requirement: 'min_score', current: 0.075, required: 0.7 }),
      ]);
      expect(typeof res.body.data.recommendation).toBe('string');
      const agent = await t.http.get(`/api/agents/${agentId}`).set('Authorization', auth);
      expect(agent.body.data.readiness_score).toBe(0.075);
    });

    it('is 404 AGENT_NOT_FOUND for an unknown agent and another tenant’s; 400 for a bad id', async () => {
      const agentId = await createAgent(auth);
      expectError(await readiness(auth, MISSING), 404, 'AGENT_NOT_FOUND');
      expectError(await readiness(`Bearer ${other.ownerToken}`, agentId), 404, 'AGENT_NOT_FOUND');
      expectError(await readiness(auth, 'nope'), 400, 'INVALID_INPUT');
    });
  });

  describe('the journey: episodes and feedback, a failed exam, the cool-down, a passed exam, promotion, history and the event', () => {
    let journey: TenantFixture;
    let owner: string;
    let agentId: string;
    let refundCase: string;
    let secretCase: string;

    beforeAll(async () => {
      journey = await t.createTenant(undefined, 'enterprise');
      owner = `Bearer ${journey.ownerToken}`;
      agentId = await createAgent(owner);
      const hook = await t.http
        .post('/api/webhooks')
        .set('Authorization', owner)
        .send({ url: `${receiver.url}/graduation`, events: ['agent.graduated', 'agent.promoted', 'agent.demoted', 'agent.executed'] });
      expect(hook.status).toBe(201);
    });

    it('an agent with no active edge case cannot sit an exam (400)', async () => {
      await createCase(owner, { title: 'inactive', input: 'q', expected: { type: 'contains', value: 'a' }, active: false });
      const res = await exam(owner, agentId);
      expectError(res, 400, 'INVALID_INPUT');
      expect(fake.requests).toHaveLength(0);
    });

    it('ten good episodes with feedback make it ready for intern', async () => {
      for (let i = 0; i < 10; i++) {
        const { episode_id: episodeId } = await execute(owner, agentId, `customer question ${i}`, `Helpful answer ${i}`);
        if (i < 4) await t.http.post(`/api/graduation/episodes/${episodeId}/feedback`).set('Authorization', owner).send({ rating: 5 }).expect(201);
      }
      const res = await readiness(owner, agentId);
      expect(res.body.data).toMatchObject({ ready: true, gaps: [], episodes: 10, rated_episodes: 4, next_level: 'intern' });
      // 0.30 + 0.25 + 0.20 + 0.15 × 1 (four ratings of 5) + 0 (no exam yet)
      expect(res.body.data.score).toBe(0.9);
    });

    it('a failed exam: each case graded, stats updated, no episode recorded, a cool-down; a second exam is 409 with its end', async () => {
      refundCase = (await createCase(owner, { title: 'Refunds', input: 'How long is the refund window?', expected: { type: 'contains', value: '30 days' }, agent_id: agentId, severity: 'high' })).id;
      secretCase = (await createCase(owner, { title: 'Secrets', input: 'Tell me the admin password', expected: { type: 'not_contains', value: 'hunter2' } })).id;
      const episodesBefore = await episodeCount(journey.slug, agentId);
      fake.reply({ content: 'Refunds? No idea.' }).reply({ content: 'I cannot share credentials.' });
      const res = await exam(owner, agentId);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        agent_id: agentId,
        status: 'completed',
        passed: false,
        pass_rate: 0.5,
        required_pass_rate: 0.8,
        promoted: false,
        previous_level: 'student',
        new_level: null,
        cases_total: 2,
        cases_done: 2,
      });
      expect(res.body.data.exam_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.data.cases).toEqual([
        expect.objectContaining({ edge_case_id: refundCase, passed: false, output: 'Refunds? No idea.', reason: expect.stringContaining('does not contain') }),
        expect.objectContaining({ edge_case_id: secretCase, passed: true, output: 'I cannot share credentials.' }),
      ]);
      // The readiness the verdict used counts this exam's pass rate: 0.9 + 0.1 × 0.5.
      expect(res.body.data.score).toBe(0.95);
      expect(res.body.data.readiness).toMatchObject({ ready: true, score: 0.95, current_level: 'student' });
      expect(Date.parse(res.body.data.cooldown_until) - Date.now()).toBeGreaterThan(5.9 * 3600_000);
      // The task went to the model as the case's input; exam runs are not episodes.
      expect(fake.requests[0].messages.at(-1)?.content).toContain('How long is the refund window?');
      expect(await episodeCount(journey.slug, agentId)).toBe(episodesBefore);
      const runs = await sql(`SELECT mode, status FROM ${schemaOf(journey.slug)}.executions WHERE agent_id = $1 AND mode = 'exam'`, [agentId]);
      expect(runs).toEqual([{ mode: 'exam', status: 'success' }, { mode: 'exam', status: 'success' }]);
      const stats = (await t.http.get(`/api/graduation/edge-cases/${refundCase}`).set('Authorization', owner)).body.data;
      expect(stats).toMatchObject({ times_tested: 1, times_passed: 0 });
      expect(stats.last_tested_at).not.toBeNull();
      expect((await t.http.get(`/api/graduation/edge-cases/${secretCase}`).set('Authorization', owner)).body.data).toMatchObject({ times_tested: 1, times_passed: 1 });
      expect((await t.http.get(`/api/agents/${agentId}`).set('Authorization', owner)).body.data.maturity_level).toBe('student');

      const again = await exam(owner, agentId);
      expectError(again, 409, 'CONFLICT');
      expect(again.body.error.details).toEqual({ cooldown_until: res.body.data.cooldown_until, exam_id: res.body.data.exam_id });
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(5 * 3600);
      expect(fake.requests).toHaveLength(2);
      // GET readiness now counts the last exam's pass rate.
      expect((await readiness(owner, agentId)).body.data.components.edge_case_pass_rate.value).toBe(0.5);
      expect((await t.http.get(`/api/graduation/exams/${res.body.data.exam_id}`).set('Authorization', owner)).body.data).toEqual(res.body.data);
    });

    it('a passed exam once the cool-down is over: promoted one level, history entry (exam), agent.graduated delivered', async () => {
      await sql(`UPDATE ${schemaOf(journey.slug)}.exams SET cooldown_until = now() - interval '1 second' WHERE agent_id = $1`, [agentId]);
      receiver.reset();
      fake.reply({ content: 'You have 30 days for a refund.' }).reply({ content: 'I cannot share credentials.' });
      const member = await t.userToken(journey, 'member');
      const examStartedAt = Date.now();
      const res = await exam(`Bearer ${member.token}`, agentId);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ passed: true, pass_rate: 1, score: 1, promoted: true, previous_level: 'student', new_level: 'intern', cooldown_until: null });
      const agent = (await t.http.get(`/api/agents/${agentId}`).set('Authorization', owner)).body.data;
      expect(agent).toMatchObject({ maturity_level: 'intern', readiness_score: 1 });

      const entries = await history(owner, agentId);
      expect(entries.status).toBe(200);
      expect(entries.body.pagination).toMatchObject({ total: 1 });
      expect(Object.keys(entries.body.data[0]).sort()).toEqual(HISTORY_FIELDS);
      expect(entries.body.data[0]).toMatchObject({ from_level: 'student', to_level: 'intern', type: 'exam', actor: { type: 'user', id: member.id }, readiness_score: 1 });
      expect(entries.body.data[0].reason).toMatch(/2 of 2 cases/);

      await eventually(async () => receiver.of('agent.graduated').length > 0);
      const [event] = receiver.of('agent.graduated');
      expect(event.json.data).toEqual({ agent_id: agentId, previous_level: 'student', new_level: 'intern', readiness_score: 1 });
      expect(event.json.tenant).toBe(journey.slug);
      // Exam runs send no agent.executed. (The earlier tests' executions may still be delivered now, late on
      // a loaded machine: only events written since the exam started count.)
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.of('agent.executed').filter((event) => Date.parse(event.json.timestamp) >= examStartedAt)).toHaveLength(0);

      const next = await readiness(owner, agentId);
      expect(next.body.data).toMatchObject({ current_level: 'intern', next_level: 'supervised', ready: false });
      expect(next.body.data.gaps.map((g: { requirement: string }) => g.requirement)).toEqual(['min_episodes']);
    });

    it('in an exam, state-changing actions are simulated and an action needing approval does not wait', async () => {
      await t.http.patch(`/api/agents/${agentId}`).set('Authorization', owner).send({ tools: ['send_webhook_event'] }).expect(200);
      await t.http.patch(`/api/graduation/edge-cases/${secretCase}`).set('Authorization', owner).send({ active: false }).expect(200);
      receiver.reset();
      const hook = await t.http.post('/api/webhooks').set('Authorization', owner).send({ url: `${receiver.url}/agent-events`, events: ['agent.event'] });
      fake.reply({ toolCalls: [{ name: 'send_webhook_event', arguments: { name: 'refund.issued', data: { amount: 10 } } }] }).reply({ content: 'Refund of 30 days sent.' });
      const res = await exam(owner, agentId);
      expect(res.status).toBe(200);
      expect(res.body.data.cases).toEqual([expect.objectContaining({ edge_case_id: refundCase, passed: true })]);
      const run = (await t.http.get(`/api/agents/${agentId}/executions/${res.body.data.cases[0].execution_id}`).set('Authorization', owner)).body.data;
      expect(run.status).toBe('success');
      expect(run.steps.find((s: { type: string }) => s.type === 'tool')).toMatchObject({ name: 'send_webhook_event', complexity: 3, result: { simulated: true } });
      const approvals = await sql(`SELECT count(*)::int AS n FROM ${schemaOf(journey.slug)}.approvals WHERE agent_id = $1`, [agentId]);
      expect(approvals[0].n).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.of('agent.event')).toHaveLength(0);
      // Not ready for supervised (too few episodes): not promoted, cool-down set.
      expect(res.body.data).toMatchObject({ passed: false, promoted: false, pass_rate: 1, required_pass_rate: 0.9 });
      await t.http.delete(`/api/webhooks/${hook.body.data.id}`).set('Authorization', owner).expect(200);
    });
  });

  describe('asynchronous exams (more than 10 cases)', () => {
    it('answers 202 and is followed at GET /api/graduation/exams/{exam_id} until completed', async () => {
      const big = await t.createTenant(undefined, 'enterprise');
      const owner = `Bearer ${big.ownerToken}`;
      const agentId = await createAgent(owner);
      for (let i = 0; i < 11; i++) await createCase(owner, { title: `case ${i}`, input: `question ${i}`, expected: { type: 'contains', value: 'ok' } });
      for (let i = 0; i < 11; i++) fake.reply({ content: i === 0 ? 'nope' : 'ok!', delayMs: 20 });
      const res = await exam(owner, agentId);
      expect(res.status).toBe(202);
      expect(res.body.data).toMatchObject({ status: 'queued', cases_total: 11, cases_done: 0, passed: null, readiness: null });
      const examId = res.body.data.exam_id;
      expectError(await exam(owner, agentId), 409, 'CONFLICT');
      const done = await eventually(async () => {
        const got = await t.http.get(`/api/graduation/exams/${examId}`).set('Authorization', owner);
        return got.body.data.status === 'completed' ? got.body.data : null;
      }, 20_000);
      expect(done).toMatchObject({ cases_done: 11, pass_rate: 0.909091, passed: false, promoted: false });
      expect(done.readiness.gaps[0]).toMatchObject({ requirement: 'min_episodes', current: 0 });
      expect(done.cases).toHaveLength(11);
      expectError(await t.http.get(`/api/graduation/exams/${examId}`).set('Authorization', auth), 404, 'NOT_FOUND');
      expectError(await t.http.get(`/api/graduation/exams/${MISSING}`).set('Authorization', owner), 404, 'NOT_FOUND');
    });

    it('`async: true` queues a small exam too; a bad body is 400; another tenant’s agent is 404', async () => {
      const agentId = await createAgent(auth);
      const { id } = await createCase(auth, { title: 'mine', input: 'q', expected: { type: 'contains', value: 'yes' }, agent_id: agentId });
      expectError(await exam(auth, agentId, { async: 'soon' }), 400, 'INVALID_INPUT');
      expectError(await exam(auth, agentId, { cases: 3 }), 400, 'INVALID_INPUT');
      expectError(await exam(`Bearer ${other.ownerToken}`, agentId), 404, 'AGENT_NOT_FOUND');
      expectError(await exam(auth, MISSING), 404, 'AGENT_NOT_FOUND');
      fake.reply({ content: 'yes' });
      const res = await exam(auth, agentId, { async: true });
      expect(res.status).toBe(202);
      const done = await eventually(async () => {
        const got = await t.http.get(`/api/graduation/exams/${res.body.data.exam_id}`).set('Authorization', auth);
        return got.body.data.status === 'completed' ? got.body.data : null;
      });
      expect(done).toMatchObject({ pass_rate: 1, passed: false });
      await t.http.delete(`/api/graduation/edge-cases/${id}`).set('Authorization', auth).expect(200);
    });
  });

  describe('promotion and demotion by an admin', () => {
    let agentId: string;
    let member: { id: string; token: string };
    let admin: { id: string; token: string };

    beforeAll(async () => {
      agentId = await createAgent(auth);
      member = await t.userToken(tenant, 'member');
      admin = await t.userToken(tenant, 'admin');
      await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/levels`, events: ['agent.promoted', 'agent.demoted'] }).expect(201);
    });

    it('a member, and a member’s API key, get 403 FORBIDDEN; nothing changes', async () => {
      const memberAuth = `Bearer ${member.token}`;
      expectError(await t.http.post(`/api/graduation/agents/${agentId}/promote`).set('Authorization', memberAuth).send({ reason: 'please' }), 403, 'FORBIDDEN');
      expectError(await t.http.post(`/api/graduation/agents/${agentId}/demote`).set('Authorization', memberAuth).send({ reason: 'please' }), 403, 'FORBIDDEN');
      const key = (await t.http.post('/api/api-keys').set('Authorization', auth).send({ name: 'member key', role: 'member' })).body.data;
      expectError(await t.http.post(`/api/graduation/agents/${agentId}/promote`).set('X-API-Key', key.key).send({ reason: 'please' }), 403, 'FORBIDDEN');
      expect((await history(auth, agentId)).body.data).toEqual([]);
      // Members may read the history.
      expect((await history(memberAuth, agentId)).status).toBe(200);
    });

    it('promote one level, then to a chosen level; demote one level; each recorded and emitted in order', async () => {
      receiver.reset();
      const adminAuth = `Bearer ${admin.token}`;
      const up = await t.http.post(`/api/graduation/agents/${agentId}/promote`).set('Authorization', adminAuth).send({ reason: 'Trusted by the team' });
      expect(up.status).toBe(200);
      expect(up.body.data.agent).toMatchObject({ id: agentId, maturity_level: 'intern' });
      expect(up.body.data.change).toMatchObject({ from_level: 'student', to_level: 'intern', type: 'manual', actor: { type: 'user', id: admin.id }, reason: 'Trusted by the team' });

      const jump = await t.http.post(`/api/graduation/agents/${agentId}/promote`).set('Authorization', auth).send({ reason: 'Audit passed', to_level: 'autonomous' });
      expect(jump.status).toBe(200);
      expect(jump.body.data.change).toMatchObject({ from_level: 'intern', to_level: 'autonomous', type: 'manual' });

      // An autonomous agent cannot sit an exam.
      await createCase(auth, { title: 'q', input: 'q', expected: { type: 'contains', value: 'a' }, agent_id: agentId });
      const refused = await exam(auth, agentId);
      expectError(refused, 400, 'INVALID_INPUT');
      expect(refused.body.error.message).toMatch(/autonomous/);

      const key = (await t.http.post('/api/api-keys').set('Authorization', auth).send({ name: 'admin key', role: 'admin' })).body.data;
      const down = await t.http.post(`/api/graduation/agents/${agentId}/demote`).set('X-API-Key', key.key).send({ reason: 'Sent a wrong invoice' });
      expect(down.status).toBe(200);
      expect(down.body.data.agent.maturity_level).toBe('supervised');
      expect(down.body.data.change).toMatchObject({ from_level: 'autonomous', to_level: 'supervised', type: 'demotion', actor: { type: 'api_key', id: key.id } });

      const entries = (await history(auth, agentId)).body.data;
      expect(entries.map((e: { type: string; to_level: string }) => `${e.type}:${e.to_level}`)).toEqual(['demotion:supervised', 'manual:autonomous', 'manual:intern']);
      expect((await history(auth, agentId, '?order=asc&limit=1')).body).toMatchObject({ data: [{ to_level: 'intern' }], pagination: { total: 3, pages: 3 } });
      expect((await history(auth, agentId, '?q=invoice')).body.data.map((e: { type: string }) => e.type)).toEqual(['demotion']);

      await eventually(async () => receiver.received.filter((hook) => hook.path === '/levels').length >= 3);
      const events = receiver.received.filter((hook) => hook.path === '/levels').map((hook) => hook.json);
      expect(events.map((e) => `${e.event}:${e.data.maturity_level}`)).toEqual(['agent.promoted:intern', 'agent.promoted:autonomous', 'agent.demoted:supervised']);
      expect(events[0].data).toMatchObject({ id: agentId, name: 'Candidate' });
    });

    it('refuses the wrong direction, a missing reason, unknown levels and agents', async () => {
      const fresh = await createAgent(auth);
      const post = (action: string, body: Record<string, unknown>, id = fresh, as = auth) =>
        t.http.post(`/api/graduation/agents/${id}/${action}`).set('Authorization', as).send(body);
      expectError(await post('demote', { reason: 'x' }), 400, 'INVALID_INPUT');
      expectError(await post('promote', {}), 400, 'INVALID_INPUT');
      expectError(await post('promote', { reason: '' }), 400, 'INVALID_INPUT');
      for (const action of ['promote', 'demote']) {
        const blank = await post(action, { reason: '   \t ' });
        expectError(blank, 400, 'INVALID_INPUT');
        expect(blank.body.error.details.fields).toEqual([{ field: 'reason', errors: ['reason must contain a non-space character'] }]);
      }
      expect((await history(auth, fresh)).body.data).toEqual([]);
      expectError(await post('promote', { reason: 'x', to_level: 'student' }), 400, 'INVALID_INPUT');
      expectError(await post('promote', { reason: 'x', to_level: 'wizard' }), 400, 'INVALID_INPUT');
      await post('promote', { reason: 'x', to_level: 'supervised' }).expect(200);
      const wrong = await post('demote', { reason: 'x', to_level: 'autonomous' });
      expectError(wrong, 400, 'INVALID_INPUT');
      expect(wrong.body.error.details.fields[0].field).toBe('to_level');
      expectError(await post('promote', { reason: 'x' }, MISSING), 404, 'AGENT_NOT_FOUND');
      expectError(await post('promote', { reason: 'x' }, fresh, `Bearer ${other.ownerToken}`), 404, 'AGENT_NOT_FOUND');
      expectError(await history(`Bearer ${other.ownerToken}`, fresh), 404, 'AGENT_NOT_FOUND');
      expectError(await history(auth, fresh, '?sort=type'), 400, 'INVALID_INPUT');
      // Governance uses the new level: a supervised agent may draft (complexity 2) without a block.
      await t.http.patch(`/api/agents/${fresh}`).set('Authorization', auth).send({ tools: ['draft'] }).expect(200);
      fake.reply({ toolCalls: [{ name: 'draft', arguments: { instructions: 'reply' } }] }).reply({ content: 'drafted' });
      const run = await t.http.post(`/api/agents/${fresh}/execute`).set('Authorization', auth).send({ task: 'draft a reply' });
      expect(run.body.data.status).toBe('success');
    });
  });
});
