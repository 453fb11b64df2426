import { createServer, type Server } from 'node:http';
import { DataSource } from 'typeorm';
import { FakeOpenAI } from './support/fake-openai';
import { WebhookReceiver } from './support/webhook-receiver';
import { TenantFixture, TestApp, expectError } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';

/** An outside service the agent's http_request reaches: counts the requests that really arrive. */
async function startReceiver(): Promise<{ server: Server; url: string; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(req.method ?? '');
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/hook`, received };
}

describe('Approvals: actions governance holds for a person', () => {
  let fake: FakeOpenAI;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    receiver = await startReceiver();
    t = await TestApp.start({ LLM_PROVIDER: 'openai', LLM_BASE_URL: fake.url, LLM_API_KEY: 'sk-test', LLM_MODEL: 'fake-model', WEBHOOK_ALLOW_PRIVATE: 'true' });
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  /** An intern (maturity is set in SQL here: promotion comes with graduation) that may POST over HTTP. */
  async function internAgent(): Promise<string> {
    const { id } = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Poster', role: 'Ops', tools: ['http_request'] })).body.data;
    await t.app.get(DataSource).query(`UPDATE "tenant_${tenant.slug.replace(/-/g, '_')}".agents SET maturity_level = 'intern' WHERE id = $1`, [id]);
    return id;
  }

  async function pausedExecution(agentId: string) {
    fake.reply({ toolCalls: [{ name: 'http_request', arguments: { url: receiver.url, method: 'POST', body: { hello: 'world' } } }] });
    const res = await t.http.post(`/api/agents/${agentId}/execute`).set('Authorization', auth).send({ task: 'Tell the hook hello' });
    expect(res.status).toBe(200);
    return res.body.data;
  }

  it('an intern’s state-changing action waits; approving runs it and resumes the execution', async () => {
    const agentId = await internAgent();
    const before = receiver.received.length;
    const paused = await pausedExecution(agentId);
    expect(paused.status).toBe('awaiting_approval');
    expect(receiver.received.length).toBe(before); // nothing sent yet
    const pending = await t.http.get(`/api/approvals?status=pending&agent_id=${agentId}`).set('Authorization', auth);
    expect(pending.status).toBe(200);
    expect(pending.body.pagination.total).toBe(1);
    const approval = pending.body.data[0];
    expect(approval).toMatchObject({ action: 'http_request', complexity: 3, status: 'pending', execution_id: paused.execution_id });

    fake.reply({ content: 'Done: the hook said ok.' });
    const member = await t.userToken(tenant, 'member');
    const approved = await t.http.post(`/api/approvals/${approval.id}/approve`).set('Authorization', `Bearer ${member.token}`).send({ reason: 'fine' });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ status: 'success', output: 'Done: the hook said ok.', execution_id: paused.execution_id });
    expect(receiver.received.slice(before)).toEqual(['POST']);
    const types = approved.body.data.steps.map((s: { type: string; status?: string }) => (s.type === 'approval' ? `approval:${s.status}` : s.type));
    expect(types).toEqual(['model', 'approval:pending', 'approval:approved', 'tool', 'model']);
    const again = await t.http.post(`/api/approvals/${approval.id}/approve`).set('Authorization', auth).send({});
    expectError(again, 409, 'CONFLICT');
    const [episode] = await t.app.get(DataSource).query(
      `SELECT outcome, human_intervention_count FROM "tenant_${tenant.slug.replace(/-/g, '_')}".episodes WHERE id = $1`,
      [paused.episode_id],
    );
    expect(episode).toEqual({ outcome: 'success', human_intervention_count: 1 });
  });

  it('rejecting ends the execution blocked, and the action never runs', async () => {
    const agentId = await internAgent();
    const before = receiver.received.length;
    const paused = await pausedExecution(agentId);
    const approval = (await t.http.get(`/api/approvals?agent_id=${agentId}`).set('Authorization', auth)).body.data[0];
    const rejected = await t.http.post(`/api/approvals/${approval.id}/reject`).set('Authorization', auth).send({ reason: 'not today' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.data).toMatchObject({ status: 'blocked', error: 'The approval was rejected', execution_id: paused.execution_id });
    expect(receiver.received.length).toBe(before);
    const listed = (await t.http.get(`/api/approvals?agent_id=${agentId}`).set('Authorization', auth)).body.data[0];
    expect(listed).toMatchObject({ status: 'rejected', reason: 'not today' });
    expectError(await t.http.post(`/api/approvals/${approval.id}/approve`).set('Authorization', auth).send({}), 409, 'CONFLICT');
  });

  it('approving is refused while the agent is paused or archived (nothing runs, the approval stays pending); rejecting still works', async () => {
    const agentId = await internAgent();
    const before = receiver.received.length;
    const paused = await pausedExecution(agentId);
    const approval = (await t.http.get(`/api/approvals?agent_id=${agentId}`).set('Authorization', auth)).body.data[0];
    for (const status of ['paused', 'archived']) {
      await t.http.patch(`/api/agents/${agentId}`).set('Authorization', auth).send({ status }).expect(200);
      const refused = await t.http.post(`/api/approvals/${approval.id}/approve`).set('Authorization', auth).send({});
      expectError(refused, 403, 'GOVERNANCE_VIOLATION');
      expect(refused.body.error.details).toEqual({ agent_status: status });
    }
    expect(receiver.received.length).toBe(before);
    const still = (await t.http.get(`/api/approvals?agent_id=${agentId}`).set('Authorization', auth)).body.data[0];
    expect(still).toMatchObject({ id: approval.id, status: 'pending' });
    expect((await t.http.get(`/api/agents/${agentId}/executions/${paused.execution_id}`).set('Authorization', auth)).body.data.status).toBe('awaiting_approval');

    // Active again, the same approval can be approved: the action runs once.
    await t.http.patch(`/api/agents/${agentId}`).set('Authorization', auth).send({ status: 'active' }).expect(200);
    fake.reply({ content: 'Sent.' });
    const approved = await t.http.post(`/api/approvals/${approval.id}/approve`).set('Authorization', auth).send({});
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ status: 'success', output: 'Sent.' });
    expect(receiver.received.slice(before)).toEqual(['POST']);

    // Rejecting makes the agent do nothing, so it is allowed whatever the agent's status.
    const second = await pausedExecution(agentId);
    const pending = (await t.http.get(`/api/approvals?agent_id=${agentId}&status=pending`).set('Authorization', auth)).body.data[0];
    await t.http.patch(`/api/agents/${agentId}`).set('Authorization', auth).send({ status: 'paused' }).expect(200);
    const rejected = await t.http.post(`/api/approvals/${pending.id}/reject`).set('Authorization', auth).send({ reason: 'paused anyway' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.data).toMatchObject({ status: 'blocked', execution_id: second.execution_id });
    expect(receiver.received.length).toBe(before + 1);
  });

  it('unknown ids are 404, bad input 400, and another tenant sees none of them', async () => {
    expectError(await t.http.post(`/api/approvals/${MISSING}/approve`).set('Authorization', auth).send({}), 404, 'NOT_FOUND');
    expectError(await t.http.post('/api/approvals/not-a-uuid/reject').set('Authorization', auth).send({}), 400, 'INVALID_INPUT');
    expectError(await t.http.get('/api/approvals?status=maybe').set('Authorization', auth), 400, 'INVALID_INPUT');
    const other = await t.createTenant(undefined, 'enterprise');
    const theirs = await t.http.get('/api/approvals').set('Authorization', `Bearer ${other.ownerToken}`);
    expect(theirs.body.pagination.total).toBe(0);
    const mine = (await t.http.get('/api/approvals').set('Authorization', auth)).body.data[0];
    expectError(await t.http.post(`/api/approvals/${mine.id}/approve`).set('Authorization', `Bearer ${other.ownerToken}`).send({}), 404, 'NOT_FOUND');
  });

  it('announces the pending approval as approval.requested to webhook subscribers', async () => {
    const hooks = await WebhookReceiver.start();
    try {
      const sub = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${hooks.url}/hook`, events: ['approval.requested'] });
      expect(sub.status).toBe(201);
      const agentId = await internAgent();
      const paused = await pausedExecution(agentId);
      await hooks.waitFor(1);
      const pending = await t.http.get(`/api/approvals?status=pending&agent_id=${agentId}`).set('Authorization', auth);
      expect(hooks.received[0].json).toMatchObject({
        event: 'approval.requested',
        tenant: tenant.slug,
        data: {
          approval_id: pending.body.data[0].id,
          agent_id: agentId,
          execution_id: paused.execution_id,
          action: 'http_request',
          complexity: 3,
          arguments: { url: receiver.url, method: 'POST' },
        },
      });
      await t.http.delete(`/api/webhooks/${sub.body.data.id}`).set('Authorization', auth);
    } finally {
      await hooks.close();
    }
  });

  it('send_webhook_event: a supervised agent notifies the subscribers (agent.event); a student is blocked', async () => {
    const hooks = await WebhookReceiver.start();
    try {
      const sub = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${hooks.url}/hook`, events: ['agent.event'] });
      expect(sub.status).toBe(201);
      const schema = `tenant_${tenant.slug.replace(/-/g, '_')}`;
      const create = async (name: string) =>
        (await t.http.post('/api/agents').set('Authorization', auth).send({ name, role: 'Ops', tools: ['send_webhook_event'] })).body.data.id as string;
      const supervised = await create('Notifier');
      await t.app.get(DataSource).query(`UPDATE "${schema}".agents SET maturity_level = 'supervised' WHERE id = $1`, [supervised]);

      fake.reply({ toolCalls: [{ name: 'send_webhook_event', arguments: { name: 'ticket.escalated', data: { ticket: 42 } } }] });
      fake.reply({ content: 'Escalated.' });
      const run = await t.http.post(`/api/agents/${supervised}/execute`).set('Authorization', auth).send({ task: 'Escalate ticket 42' });
      expect(run.status).toBe(200);
      expect(run.body.data.status).toBe('success');
      const tool = run.body.data.steps.find((step: { type: string }) => step.type === 'tool');
      expect(tool.result).toMatchObject({ sent: true, event: 'agent.event', subscriptions: 1 });
      await hooks.waitFor(1);
      expect(hooks.received[0].json).toMatchObject({
        event: 'agent.event',
        data: { agent_id: supervised, execution_id: run.body.data.execution_id, name: 'ticket.escalated', data: { ticket: 42 } },
      });

      const student = await create('Novice');
      fake.reply({ toolCalls: [{ name: 'send_webhook_event', arguments: { name: 'ticket.escalated' } }] });
      fake.reply({ content: 'I could not notify anyone.' });
      const blocked = await t.http.post(`/api/agents/${student}/execute`).set('Authorization', auth).send({ task: 'Escalate ticket 43' });
      expect(blocked.status).toBe(200);
      expect(blocked.body.data.status).toBe('blocked');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hooks.received).toHaveLength(1);
      await t.http.delete(`/api/webhooks/${sub.body.data.id}`).set('Authorization', auth);
    } finally {
      await hooks.close();
    }
  });

  it('a promotion applies from the next action on, also inside an execution already going', async () => {
    const agentId = await internAgent();
    const schema = `tenant_${tenant.slug.replace(/-/g, '_')}`;
    // The first action's destination promotes the agent while the execution is under way (as an admin could).
    let promotedMidRun = false;
    const promoter = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        void t.app
          .get(DataSource)
          .query(`UPDATE "${schema}".agents SET maturity_level = 'supervised' WHERE id = $1`, [agentId])
          .then(() => {
            promotedMidRun = true;
            res.writeHead(200).end('{}');
          });
      });
    });
    await new Promise<void>((resolve) => promoter.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(promoter.address() as { port: number }).port}/`;
      fake.reply({ toolCalls: [{ name: 'http_request', arguments: { url, method: 'GET' } }] });
      fake.reply({ toolCalls: [{ name: 'http_request', arguments: { url: receiver.url, method: 'POST', body: { after: 'promotion' } } }] });
      fake.reply({ content: 'Posted.' });
      const before = receiver.received.length;
      const run = await t.http.post(`/api/agents/${agentId}/execute`).set('Authorization', auth).send({ task: 'Check, then post' });
      expect(promotedMidRun).toBe(true);
      // As an intern the POST would have waited for an approval; as the supervised agent it now is, it runs.
      expect(run.body.data).toMatchObject({ status: 'success', output: 'Posted.' });
      expect(receiver.received.length - before).toBe(1);
    } finally {
      await new Promise((resolve) => promoter.close(resolve));
    }
  });
});
