import { DataSource } from 'typeorm';
import { ExecutionRecovery } from '../src/agents/execution/execution-recovery';
import { FakeOpenAI } from './support/fake-openai';
import { TenantFixture, TestApp, expectError } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';
const schemaOf = (slug: string) => `"tenant_${slug.replace(/-/g, '_')}"`;

async function waitForFinal(t: TestApp, auth: string, agentId: string, executionId: string) {
  for (let i = 0; i < 100; i++) {
    const res = await t.http.get(`/api/agents/${agentId}/executions/${executionId}`).set('Authorization', auth);
    if (!['queued', 'running'].includes(res.body.data.status)) return res;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('execution did not finish');
}

describe('Agent execution on the local engine', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  const agent = async (body: Record<string, unknown>) => (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Exec', role: 'Tester', ...body })).body.data;
  const execute = (id: string, body: Record<string, unknown>) => t.http.post(`/api/agents/${id}/execute`).set('Authorization', auth).send(body);
  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);

  it('runs the loop: the model calls an allowed tool, then answers; labelled as the local engine', async () => {
    const { id } = await agent({ tools: ['summarize'] });
    const res = await execute(id, { task: 'use summarize on: The invoice is late. It was due Monday. Please pay.' });
    expect(res.status).toBe(200);
    const result = res.body.data;
    expect(result).toMatchObject({ status: 'success', provider: 'local', agent_id: id, error: null });
    expect(result.output).toMatch(/^\[local model\] /);
    expect(result.steps.map((s: { type: string }) => s.type)).toEqual(['model', 'tool', 'model']);
    expect(result.steps[1]).toMatchObject({ type: 'tool', name: 'summarize', complexity: 1 });
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
    expect(result.usage.completion_tokens).toBeGreaterThan(0);
    expect(result.duration_ms).toBeGreaterThanOrEqual(0);
    const again = await t.http.get(`/api/agents/${id}/executions/${result.execution_id}`).set('Authorization', auth);
    expect(again.body.data).toEqual(result);
    const [episode] = await sql(`SELECT outcome, status, maturity_at_time, compliance_score FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [result.episode_id]);
    expect(episode).toEqual({ outcome: 'success', status: 'success', maturity_at_time: 'student', compliance_score: 1 });
  });

  it('governance blocks what a student may not do: the step is recorded, the run ends blocked, the decision is stored', async () => {
    const { id } = await agent({ tools: ['draft'] });
    const res = await execute(id, { task: 'use draft for a reply to the customer' });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('blocked');
    const governance = res.body.data.steps.find((s: { type: string }) => s.type === 'governance');
    expect(governance).toMatchObject({ action: 'draft', complexity: 2, decision: 'block', required_level: 'intern' });
    const decisions = await sql(`SELECT action, complexity, decision, maturity_level FROM ${schemaOf(tenant.slug)}.governance_decisions WHERE agent_id = $1`, [id]);
    expect(decisions).toEqual([{ action: 'draft', complexity: 2, decision: 'block', maturity_level: 'student' }]);
    const [episode] = await sql(`SELECT outcome, governance_violations, compliance_score FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [res.body.data.episode_id]);
    expect(episode).toEqual({ outcome: 'partial', governance_violations: 1, compliance_score: 0.6 });
  });

  it('an explicitly requested action the agent may not take is 403 GOVERNANCE_VIOLATION with the details', async () => {
    const { id } = await agent({});
    const res = await execute(id, { task: 'clean up', context: { action: 'delete_invoice' } });
    expectError(res, 403, 'GOVERNANCE_VIOLATION');
    expect(res.body.error.details).toEqual({ action: 'delete_invoice', complexity: 4, agent_level: 'student', required_level: 'autonomous' });
    const allowed = await execute(id, { task: 'read it', context: { action: 'read_invoice' } });
    expect(allowed.status).toBe(200);
  });

  it('paused and archived agents cannot execute', async () => {
    const { id } = await agent({});
    await t.http.patch(`/api/agents/${id}`).set('Authorization', auth).send({ status: 'paused' }).expect(200);
    const res = await execute(id, { task: 'anything' });
    expectError(res, 403, 'GOVERNANCE_VIOLATION');
    expect(res.body.error.details).toEqual({ agent_status: 'paused' });
  });

  it('async: 202 with the ids and status queued, then the result at the executions route', async () => {
    const { id } = await agent({ tools: ['summarize'] });
    const res = await execute(id, { task: 'use summarize on: One. Two. Three.', async: true });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ status: 'queued', agent_id: id });
    expect(res.body.data.execution_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.data.episode_id).toMatch(/^[0-9a-f-]{36}$/);
    const done = await waitForFinal(t, auth, id, res.body.data.execution_id);
    expect(done.body.data).toMatchObject({ status: 'success', episode_id: res.body.data.episode_id });
  });

  it('Idempotency-Key: a repeated execute returns the first result without running again', async () => {
    const { id } = await agent({});
    const key = `exec-${Date.now()}`;
    const first = await execute(id, { task: 'say hello' }).set('Idempotency-Key', key);
    const again = await execute(id, { task: 'say hello' }).set('Idempotency-Key', key);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data.execution_id).toBe(first.body.data.execution_id);
    const [{ count }] = await sql(`SELECT count(*)::int AS count FROM ${schemaOf(tenant.slug)}.executions WHERE agent_id = $1`, [id]);
    expect(count).toBe(1);
    // An async execute replays its 202.
    const asyncKey = `exec-async-${Date.now()}`;
    const queued = await execute(id, { task: 'later', async: true }).set('Idempotency-Key', asyncKey);
    const replayed = await execute(id, { task: 'later', async: true }).set('Idempotency-Key', asyncKey);
    expect([queued.status, replayed.status]).toEqual([202, 202]);
    expect(replayed.body.data.execution_id).toBe(queued.body.data.execution_id);
  });

  it('validates input, and answers 404 for unknown agents, executions and other tenants', async () => {
    const { id } = await agent({});
    expectError(await execute(id, {}), 400, 'INVALID_INPUT');
    expectError(await execute(id, { task: 'x', async: 'yes' }), 400, 'INVALID_INPUT');
    const blank = await execute(id, { task: '   ' });
    expectError(blank, 400, 'INVALID_INPUT');
    expect(blank.body.error.details.fields).toEqual([{ field: 'task', errors: ['task must contain a non-space character'] }]);
    expectError(await execute(MISSING, { task: 'x' }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.http.get(`/api/agents/${id}/executions/${MISSING}`).set('Authorization', auth), 404, 'NOT_FOUND');
    const other = await t.createTenant(undefined, 'enterprise');
    expectError(await t.http.post(`/api/agents/${id}/execute`).set('Authorization', `Bearer ${other.ownerToken}`).send({ task: 'x' }), 404, 'AGENT_NOT_FOUND');
  });

  it('an execution interrupted by a crash is failed at start-up, never left running', async () => {
    const { id } = await agent({});
    const schema = schemaOf(tenant.slug);
    const [{ id: stuck }] = await sql(
      `INSERT INTO ${schema}.executions (id, agent_id, episode_id, status, task) VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'running', 'x') RETURNING id`,
      [id],
    );
    // A subscriber (written directly: its URL is never called here) hears about it as about any finished execution.
    await sql(`INSERT INTO ${schema}.webhooks (url, events, secret_encrypted) VALUES ('https://hooks.example.com/x', '{agent.executed}', 'v1.x.y.z')`);
    await t.app.get(ExecutionRecovery).onApplicationBootstrap();
    const res = await t.http.get(`/api/agents/${id}/executions/${stuck}`).set('Authorization', auth);
    expect(res.body.data).toMatchObject({ status: 'failed', error: 'Interrupted: the server stopped during the execution' });
    const [delivery] = await sql(`SELECT body FROM ${schema}.webhook_deliveries WHERE event = 'agent.executed'`);
    expect(JSON.parse(delivery.body).data).toEqual({ agent_id: id, execution_id: stuck, status: 'failed', result: null });
  });
});

describe('Agent execution through an OpenAI-compatible provider', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let auth: string;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    t = await TestApp.start({ LLM_PROVIDER: 'openai', LLM_BASE_URL: fake.url, LLM_API_KEY: 'sk-test-key', LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000' });
    const tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('sends the system prompt, task and tools; runs the tool the model calls; returns the final answer', async () => {
    const { id } = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Real', role: 'Analyst', system_prompt: 'You are terse.', tools: ['summarize'] })).body.data;
    fake.reply({ toolCalls: [{ name: 'summarize', arguments: { text: 'First sentence. Second sentence. Third.' , max_sentences: 1 } }] });
    fake.reply({ content: 'The summary is: First sentence.' });
    const before = fake.requests.length;
    const res = await t.http.post(`/api/agents/${id}/execute`).set('Authorization', auth).send({ task: 'Summarize the report' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'success', provider: 'openai', output: 'The summary is: First sentence.' });
    const [first, second] = fake.requests.slice(before) as Array<{ model: string; messages: Array<{ role: string; content: string }>; tools?: Array<{ function: { name: string } }> }>;
    expect(first.model).toBe('fake-model');
    expect(first.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You are terse.') });
    expect(first.messages[1]).toMatchObject({ role: 'user', content: 'Summarize the report' });
    expect(first.tools?.map((tool) => tool.function.name)).toEqual(['summarize']);
    const toolMessage = second.messages.find((m) => m.role === 'tool');
    expect(toolMessage?.content).toContain('First sentence.');
    expect(res.body.data.steps.map((s: { type: string }) => s.type)).toEqual(['model', 'tool', 'model']);
  });

  it('a model answer and tool arguments holding unpaired surrogates or NUL are stored as U+FFFD, the run succeeds', async () => {
    const { id } = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Odd', role: 'r', tools: ['summarize'] })).body.data;
    fake.reply({ toolCalls: [{ name: 'summarize', arguments: { text: 'Lone \udc00 here. Second.', max_sentences: 1 } }] });
    fake.reply({ content: 'Done \ud800 now\u0000' });
    const res = await t.http.post(`/api/agents/${id}/execute`).set('Authorization', auth).send({ task: 'Summarize it' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'success', output: 'Done \ufffd now\ufffd' });
    expect(res.body.data.steps[0].tool_calls[0].arguments.text).toBe('Lone \ufffd here. Second.');
    expect(res.body.data.steps[2].content).toBe('Done \ufffd now\ufffd');
  });

  it('a provider failure ends the execution as failed, with the reason and no secret', async () => {
    const { id } = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Unlucky', role: 'r' })).body.data;
    fake.fail(500);
    const res = await t.http.post(`/api/agents/${id}/execute`).set('Authorization', auth).send({ task: 'anything' });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('failed');
    expect(res.body.data.error).toMatch(/Model provider failed/);
    expect(JSON.stringify(res.body)).not.toContain('sk-test-key');
  });
});
