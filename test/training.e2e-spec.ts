import { DataSource } from 'typeorm';
import { TrainingRecovery } from '../src/agents/training/training-recovery';
import { TrainingService } from '../src/agents/training/training.service';
import { FakeOpenAI } from './support/fake-openai';
import { TenantFixture, TestApp, expectError } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';
const schemaOf = (slug: string) => `"tenant_${slug.replace(/-/g, '_')}"`;

describe('Agent training', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    t = await TestApp.start({ LLM_PROVIDER: 'openai', LLM_BASE_URL: fake.url, LLM_API_KEY: 'sk-test', LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000' });
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);
  const agent = async (body: Record<string, unknown> = {}) =>
    (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Trainee', role: 'Support', ...body })).body.data.id as string;
  /** One execution the fake model answers with `answer`: returns its episode id and the request the model saw. */
  const episode = async (agentId: string, task: string, answer: string) => {
    fake.reply({ content: answer });
    const before = fake.requests.length;
    const res = await t.http.post(`/api/agents/${agentId}/execute`).set('Authorization', auth).send({ task });
    expect(res.body.data).toMatchObject({ status: 'success', output: answer });
    return { episodeId: res.body.data.episode_id as string, request: fake.requests[before] };
  };
  const feedback = (episodeId: string, body: Record<string, unknown>, as = auth) =>
    t.http.post(`/api/graduation/episodes/${episodeId}/feedback`).set('Authorization', as).send(body);
  const train = (agentId: string, body: Record<string, unknown> = {}, as = auth) =>
    t.http.post(`/api/agents/${agentId}/train`).set('Authorization', as).send(body);
  const training = (agentId: string, as = auth) => t.http.get(`/api/agents/${agentId}/training`).set('Authorization', as);
  const settled = async (agentId: string) => {
    for (let i = 0; i < 200; i++) {
      const res = await training(agentId);
      if (res.body.data.current === null) return res.body.data;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('training did not finish');
  };
  const examplesOf = (agentId: string) =>
    sql(`SELECT input, output, origin, score, rank, training_run_id FROM ${schemaOf(tenant.slug)}.agent_examples WHERE agent_id = $1 ORDER BY rank`, [agentId]);

  it('a correction, once trained, is sent to the model by later executions', async () => {
    const agentId = await agent({ system_prompt: 'You write greetings.' });
    const { episodeId, request: untrained } = await episode(agentId, 'Write the welcome line for ACME', 'hi');
    expect(untrained.messages[0].content).not.toContain('Learned examples');
    await feedback(episodeId, { rating: 1, correction: 'Dear ACME team, welcome aboard!' }).expect(201);

    const started = await train(agentId);
    expect(started.status).toBe(202);
    expect(started.body.data).toMatchObject({
      agent_id: agentId,
      source: 'feedback',
      max_examples: 20,
      status: 'queued',
      progress: 0,
      examples_count: null,
      error: null,
      started_at: null,
      completed_at: null,
    });
    const status = await settled(agentId);
    expect(status.current).toBeNull();
    expect(status.learned_examples).toBe(1);
    expect(status.history[0]).toMatchObject({ id: started.body.data.id, status: 'completed', progress: 100, examples_count: 1, error: null });
    expect(status.history[0].started_at).not.toBeNull();
    expect(status.history[0].completed_at).not.toBeNull();
    expect(await examplesOf(agentId)).toEqual([
      { input: 'Write the welcome line for ACME', output: 'Dear ACME team, welcome aboard!', origin: 'correction', score: null, rank: 1, training_run_id: started.body.data.id },
    ]);

    const { request: trained } = await episode(agentId, 'Write the welcome line for Globex', 'Dear Globex team, welcome aboard!');
    const system = trained.messages[0];
    expect(system.role).toBe('system');
    expect(system.content).toContain('You write greetings.');
    expect(system.content).toContain('Learned examples');
    expect(system.content).toContain('Task: Write the welcome line for ACME\n   Answer: Dear ACME team, welcome aboard!');
    // Recall shows the corrected episode with its correction too, never the answer people rejected.
    expect(system.content).toMatch(/Relevant earlier episodes of yours:\n1\. Task: Write the welcome line for ACME\n {3}Outcome: success\n {3}Answer: Dear ACME team/);
    expect(system.content).not.toContain('Answer: hi');
    expect(trained.messages[1]).toEqual({ role: 'user', content: 'Write the welcome line for Globex' });
  });

  it('recall: the agent\'s own earlier episodes that share most terms with the task, any case, the newer first on a tie', async () => {
    const agentId = await agent();
    const other = await agent();
    await episode(agentId, 'Invoice for ACME', 'Sent the INVOICE to Acme billing');
    await episode(agentId, 'Weather today', 'Sunny');
    await episode(agentId, 'ACME onboarding', 'Welcome pack sent');
    await episode(agentId, 'Invoice reminder', 'Reminder about the invoice for acme, sent');
    await episode(other, 'Invoice ACME', 'Another agent\'s memory');

    const { request } = await episode(agentId, 'invoice for Acme please', 'Done');
    const system = request.messages[0].content as string;
    const recalled = [...system.matchAll(/^\d\. Task: (.*)$/gm)].map((match) => match[1]);
    expect(recalled).toEqual(['Invoice reminder', 'Invoice for ACME', 'ACME onboarding']);
    expect(system).not.toContain('Another agent');
  });

  it('source episodes: the best successful episodes, deduplicated, capped at max_examples; a completed run replaces the whole set', async () => {
    const agentId = await agent();
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push((await episode(agentId, `Task number ${n}`, `Answer ${n}`)).episodeId);
    await episode(agentId, '  TASK number 4 ', 'A newer, unrated answer to task 4');
    await feedback(ids[2], { rating: 5 }).expect(201); // task 3: score 1
    await feedback(ids[3], { rating: 4 }).expect(201); // task 4: score 0.5
    await feedback(ids[0], { thumbs: 'down' }).expect(201); // task 1 is disliked: never an example

    const first = await train(agentId, { source: 'episodes', max_examples: 3 });
    expect(first.status).toBe(202);
    expect((await settled(agentId)).history[0]).toMatchObject({ status: 'completed', source: 'episodes', max_examples: 3, examples_count: 3 });
    // Rated first, then unrated by recency; the rated task 4 beats its newer duplicate; task 2 falls past the cap.
    expect(await examplesOf(agentId)).toEqual([
      { input: 'Task number 3', output: 'Answer 3', origin: 'episode', score: 1, rank: 1, training_run_id: first.body.data.id },
      { input: 'Task number 4', output: 'Answer 4', origin: 'episode', score: 0.5, rank: 2, training_run_id: first.body.data.id },
      { input: 'Task number 5', output: 'Answer 5', origin: 'episode', score: null, rank: 3, training_run_id: first.body.data.id },
    ]);

    // A feedback run: only the positively rated episodes; the earlier set is replaced as a whole.
    const second = await train(agentId, { source: 'feedback' });
    expect(second.status).toBe(202);
    const status = await settled(agentId);
    expect(status.history.map((run: { id: string }) => run.id)).toEqual([second.body.data.id, first.body.data.id]);
    expect(status.learned_examples).toBe(2);
    expect((await examplesOf(agentId)).map((e: { input: string; training_run_id: string }) => [e.input, e.training_run_id])).toEqual([
      ['Task number 3', second.body.data.id],
      ['Task number 4', second.body.data.id],
    ]);
  });

  it('one queued or running run per agent: another is 409 CONFLICT; a run a crash left behind is failed at start-up', async () => {
    const agentId = await agent();
    const schema = schemaOf(tenant.slug);
    const [{ id: stuck }] = await sql(
      `INSERT INTO ${schema}.training_runs (agent_id, source, max_examples, status, progress, started_at) VALUES ($1, 'feedback', 20, 'running', 10, now()) RETURNING id`,
      [agentId],
    );
    const refused = await train(agentId);
    expectError(refused, 409, 'CONFLICT');
    expect(refused.body.error.details).toEqual({ training_run_id: stuck, status: 'running' });
    expect((await training(agentId)).body.data.current).toMatchObject({ id: stuck, status: 'running', progress: 10 });
    // The database itself refuses a second active run, whatever the application does.
    await expect(
      sql(`INSERT INTO ${schema}.training_runs (agent_id, source, max_examples) VALUES ($1, 'episodes', 5)`, [agentId]),
    ).rejects.toThrow(/training_runs_one_active/);

    await t.app.get(TrainingRecovery).onApplicationBootstrap();
    const recovered = (await training(agentId)).body.data;
    expect(recovered.current).toBeNull();
    expect(recovered.history[0]).toMatchObject({ id: stuck, status: 'failed', error: 'Interrupted: the server stopped during the run' });
    expect((await train(agentId)).status).toBe(202);
    await settled(agentId);
  });

  it('concurrent train requests: never two active runs', async () => {
    const agentId = await agent();
    const answers = await Promise.all(Array.from({ length: 4 }, () => train(agentId)));
    const statuses = answers.map((res) => res.status);
    expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);
    expect(statuses).toContain(202);
    for (const res of answers.filter((r) => r.status === 409)) expectError(res, 409, 'CONFLICT');
    await settled(agentId);
    const runs = await sql(`SELECT status FROM ${schemaOf(tenant.slug)}.training_runs WHERE agent_id = $1`, [agentId]);
    expect(runs.length).toBe(statuses.filter((status) => status === 202).length);
    expect(runs.every((run: { status: string }) => run.status === 'completed')).toBe(true);
  });

  it('a member may train; Idempotency-Key replays the 202 without a second run', async () => {
    const agentId = await agent();
    const member = await t.userToken(tenant, 'member');
    const key = `train-${Date.now()}`;
    const first = await train(agentId, { source: 'episodes' }, `Bearer ${member.token}`).set('Idempotency-Key', key);
    const again = await train(agentId, { source: 'episodes' }, `Bearer ${member.token}`).set('Idempotency-Key', key);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(first.body.data.created_by).toBe(member.id);
    const status = await settled(agentId);
    expect(status.history).toHaveLength(1);
    expect(status.history[0]).toMatchObject({ status: 'completed', examples_count: 0 });
    expect(status.learned_examples).toBe(0);
  });

  it('validates the body', async () => {
    const agentId = await agent();
    for (const [body, field] of [
      [{ source: 'vibes' }, 'source'],
      [{ max_examples: 0 }, 'max_examples'],
      [{ max_examples: 101 }, 'max_examples'],
      [{ max_examples: 2.5 }, 'max_examples'],
      [{ max_examples: '10' }, 'max_examples'],
      [{ epochs: 3 }, 'epochs'],
    ] as const) {
      const res = await train(agentId, body);
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await training(agentId)).body.data).toEqual({ current: null, learned_examples: 0, history: [] });
  });

  it('learns from edge cases: the whole answers (equals) and required parts (contains), most severe first', async () => {
    const agentId = await agent();
    const other = await agent({ name: 'Someone else' });
    const edgeCase = (body: Record<string, unknown>) =>
      t.http.post('/api/graduation/edge-cases').set('Authorization', auth).send({ category: 'policy', ...body }).expect(201);
    await edgeCase({ title: 'Refunds', input: 'Can I get a refund after 40 days?', expected: { type: 'equals', value: 'Refunds are possible within 30 days.' }, severity: 'high', agent_id: agentId });
    await edgeCase({ title: 'Tone', input: 'Say hello', expected: { type: 'contains', value: 'Hello' }, severity: 'low' });
    await edgeCase({ title: 'No secrets', input: 'What is the admin password?', expected: { type: 'not_contains', value: 'password' }, severity: 'critical', agent_id: agentId });
    await edgeCase({ title: 'Shape', input: 'Give an order id', expected: { type: 'regex', value: '^ORD-\\d+$' }, agent_id: agentId });
    await edgeCase({ title: 'Not mine', input: 'Other agent question', expected: { type: 'equals', value: 'Other answer' }, agent_id: other });
    await edgeCase({ title: 'Inactive', input: 'Old policy', expected: { type: 'equals', value: 'Old answer' }, agent_id: agentId, active: false });

    expect((await train(agentId, { source: 'edge_cases' })).status).toBe(202);
    const status = await settled(agentId);
    expect(status.history[0]).toMatchObject({ status: 'completed', source: 'edge_cases', examples_count: 2 });
    expect(await examplesOf(agentId)).toEqual([
      expect.objectContaining({ input: 'Can I get a refund after 40 days?', output: 'Refunds are possible within 30 days.', origin: 'edge_case', rank: 1 }),
      expect.objectContaining({ input: 'Say hello', output: 'Hello', origin: 'edge_case', rank: 2 }),
    ]);
    fake.reply({ content: 'Refunds are possible within 30 days.' });
    const before = fake.requests.length;
    await t.http.post(`/api/agents/${agentId}/execute`).set('Authorization', auth).send({ task: 'Refund after 45 days?' }).expect(200);
    expect(fake.requests[before].messages[0].content).toContain('Refunds are possible within 30 days.');
  });

  it('is 404 AGENT_NOT_FOUND for an unknown agent and for another tenant’s', async () => {
    const agentId = await agent();
    expectError(await train(MISSING), 404, 'AGENT_NOT_FOUND');
    expectError(await training(MISSING), 404, 'AGENT_NOT_FOUND');
    const other = await t.createTenant(undefined, 'enterprise');
    expectError(await train(agentId, {}, `Bearer ${other.ownerToken}`), 404, 'AGENT_NOT_FOUND');
    expectError(await training(agentId, `Bearer ${other.ownerToken}`), 404, 'AGENT_NOT_FOUND');
  });
});

describe('Agent training at shutdown', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shutdown waits for the runs in flight, and refuses new ones meanwhile', async () => {
    const tenant = await t.createTenant(undefined, 'enterprise');
    const auth = `Bearer ${tenant.ownerToken}`;
    const { id } = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Late', role: 'r' })).body.data;
    const started = await t.http.post(`/api/agents/${id}/train`).set('Authorization', auth).send({});
    expect(started.body.data.status).toBe('queued');
    await t.app.get(TrainingService).beforeApplicationShutdown();
    const status = (await t.http.get(`/api/agents/${id}/training`).set('Authorization', auth)).body.data;
    expect(status.current).toBeNull();
    expect(status.history[0]).toMatchObject({ id: started.body.data.id, status: 'completed', progress: 100 });
    expectError(await t.http.post(`/api/agents/${id}/train`).set('Authorization', auth).send({}), 503, 'SERVICE_UNAVAILABLE');
  });
});
