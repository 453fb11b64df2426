import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { SecretBox } from '../src/common/secret-box';
import { TenantDb } from '../src/database/tenant-db';
import { schemaForSlug } from '../src/tenancy/slug';
import { TenantsService } from '../src/tenancy/tenants.service';
import { WebhookEvents } from '../src/webhooks/webhook-events.service';
import { TenantFixture, TestApp, expectError } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

const MISSING = '00000000-0000-4000-8000-000000000000';
const FAST = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE: '1,1',
  WEBHOOK_TIMEOUT_MS: '400',
  WEBHOOK_POLL_INTERVAL_MS: '50',
};
const withPostgres = process.env.DATABASE_URL ? it : it.skip;

describe('Webhooks: subscriptions, signed and durable delivery', () => {
  let receiver: WebhookReceiver;
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await TestApp.start(FAST);
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  async function subscribe(body: Record<string, unknown>, as = auth) {
    const res = await t.http.post('/api/webhooks').set('Authorization', as).send({ url: `${receiver.url}/hook`, events: ['*'], ...body });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; secret?: string; active: boolean };
  }

  async function deliveries(webhookId: string, query = '') {
    const res = await t.http.get(`/api/webhooks/${webhookId}/deliveries${query}`).set('Authorization', auth);
    expect(res.status).toBe(200);
    return res.body.data as { id: string; event: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null }[];
  }

  async function unsubscribeAll() {
    const list = await t.http.get('/api/webhooks?limit=100').set('Authorization', auth);
    for (const hook of list.body.data) await t.http.delete(`/api/webhooks/${hook.id}`).set('Authorization', auth);
  }
  afterEach(unsubscribeAll);

  describe('subscriptions', () => {
    it('creates a subscription with a generated whsec_ secret that is shown once', async () => {
      const res = await t.http
        .post('/api/webhooks')
        .set('Authorization', auth)
        .send({ url: `${receiver.url}/hook`, events: ['agent.created', 'agent.executed'], description: 'CRM sync' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        url: `${receiver.url}/hook`,
        events: ['agent.created', 'agent.executed'],
        description: 'CRM sync',
        active: true,
        disabled_reason: null,
        consecutive_failures: 0,
      });
      expect(res.body.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
      const fetched = await t.http.get(`/api/webhooks/${res.body.data.id}`).set('Authorization', auth);
      expect(fetched.status).toBe(200);
      expect(fetched.body.data).not.toHaveProperty('secret');
      expect(JSON.stringify(fetched.body)).not.toContain(res.body.data.secret);
      // Stored encrypted, not in clear.
      const [row] = await t.app.get(DataSource).query(`SELECT secret_encrypted FROM "${schemaForSlug(tenant.slug)}".webhooks WHERE id = $1`, [res.body.data.id]);
      expect(row.secret_encrypted).not.toContain(res.body.data.secret.slice(6));
    });

    it('never echoes a supplied secret', async () => {
      const res = await t.http
        .post('/api/webhooks')
        .set('Authorization', auth)
        .send({ url: `${receiver.url}/hook`, events: ['*'], secret: 'my-own-secret-of-enough-length' });
      expect(res.status).toBe(201);
      expect(res.body.data).not.toHaveProperty('secret');
      expect(JSON.stringify(res.body)).not.toContain('my-own-secret');
    });

    it('refuses bad input with field details', async () => {
      const bad = [
        { body: { url: `${receiver.url}/hook`, events: [] }, field: 'events' },
        { body: { url: `${receiver.url}/hook`, events: ['agent.exploded'] }, field: 'events' },
        { body: { url: `${receiver.url}/hook`, events: ['*', '*'] }, field: 'events' },
        { body: { url: 'ftp://example.com/x', events: ['*'] }, field: 'url' },
        { body: { url: 'not a url', events: ['*'] }, field: 'url' },
        { body: { url: `${receiver.url}/hook`, events: ['*'], secret: 'short' }, field: 'secret' },
        { body: { url: `${receiver.url}/hook`, events: ['*'], secret: 'whsec_AAECAwQFBgcICQoLDA0ODw==' }, field: 'secret' },
        { body: { events: ['*'] }, field: 'url' },
        { body: { url: 'https://1.1.1.1:0/', events: ['*'] }, field: 'url' },
        { body: { url: `${receiver.url.replace(/:\d+$/, ':0')}/hook`, events: ['*'] }, field: 'url' },
        { body: { url: `${receiver.url}/hook`, events: ['*'], secret: null }, field: 'secret' },
        { body: { url: `${receiver.url}/hook`, events: ['*'], secret: ' '.repeat(30) }, field: 'secret' },
        { body: { url: `${receiver.url}/hook`, events: ['*'], secret: '\t'.repeat(24) }, field: 'secret' },
      ];
      for (const { body, field } of bad) {
        const res = await t.http.post('/api/webhooks').set('Authorization', auth).send(body);
        expectError(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      }
      // Nothing was written by any of them.
      expect((await t.http.get('/api/webhooks').set('Authorization', auth)).body.pagination.total).toBe(0);
    });

    it('refuses a null secret (no 500) and a secret of spaces, on create as on PUT and PATCH; nothing changes', async () => {
      const res = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/hook`, events: ['*'], secret: null });
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['secret']);
      const hook = await subscribe({ events: ['agent.updated'], secret: 'the-original-secret-of-this-hook' });
      for (const method of ['put', 'patch'] as const) {
        for (const secret of [null, ' '.repeat(30)]) {
          expectError(await t.http[method](`/api/webhooks/${hook.id}`).set('Authorization', auth).send({ secret }), 400, 'INVALID_INPUT');
        }
        expectError(await t.http[method](`/api/webhooks/${hook.id}`).set('Authorization', auth).send({ url: 'https://1.1.1.1:0/' }), 400, 'INVALID_INPUT');
      }
      // Still signed with the original secret, at the original URL.
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Secretive', role: 'x' })).body.data;
      await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: 'changed' });
      await receiver.waitFor(1);
      expect(receiver.received[0].path).toBe('/hook');
      expect(new Webhook('the-original-secret-of-this-hook', { format: 'raw' }).verify(receiver.received[0].body, receiver.received[0].headers as Record<string, string>)).toBeTruthy();
    });

    it('lists with pagination and filters, updates, and deletes', async () => {
      const a = await subscribe({ events: ['agent.created'], description: 'alpha' });
      const b = await subscribe({ events: ['*'], description: 'beta', active: false });
      const page = await t.http.get('/api/webhooks?limit=1&sort=created_at&order=asc').set('Authorization', auth);
      expect(page.status).toBe(200);
      expect(page.body.pagination).toEqual({ page: 1, limit: 1, total: 2, pages: 2 });
      expect(page.body.data[0].id).toBe(a.id);
      const active = await t.http.get('/api/webhooks?active=false').set('Authorization', auth);
      expect(active.body.data.map((w: { id: string }) => w.id)).toEqual([b.id]);
      const forEvent = await t.http.get('/api/webhooks?event=agent.deleted').set('Authorization', auth);
      expect(forEvent.body.data.map((w: { id: string }) => w.id)).toEqual([b.id]); // `*` matches every event
      const searched = await t.http.get('/api/webhooks?q=alph').set('Authorization', auth);
      expect(searched.body.data.map((w: { id: string }) => w.id)).toEqual([a.id]);
      expectError(await t.http.get('/api/webhooks?sort=url').set('Authorization', auth), 400, 'INVALID_INPUT');
      expectError(await t.http.get('/api/webhooks?active=maybe').set('Authorization', auth), 400, 'INVALID_INPUT');

      const patched = await t.http.patch(`/api/webhooks/${a.id}`).set('Authorization', auth).send({ events: ['agent.deleted'], description: null });
      expect(patched.status).toBe(200);
      expect(patched.body.data).toMatchObject({ events: ['agent.deleted'], description: null, url: `${receiver.url}/hook` });
      const put = await t.http.put(`/api/webhooks/${a.id}`).set('Authorization', auth).send({ active: false });
      expect(put.body.data).toMatchObject({ active: false, disabled_reason: 'disabled by an admin', events: ['agent.deleted'] });
      expectError(await t.http.patch(`/api/webhooks/${a.id}`).set('Authorization', auth).send({ events: null }), 400, 'INVALID_INPUT');

      expect((await t.http.delete(`/api/webhooks/${a.id}`).set('Authorization', auth)).status).toBe(200);
      expectError(await t.http.get(`/api/webhooks/${a.id}`).set('Authorization', auth), 404, 'NOT_FOUND');
      expectError(await t.http.delete(`/api/webhooks/${MISSING}`).set('Authorization', auth), 404, 'NOT_FOUND');
      expectError(await t.http.get('/api/webhooks/not-a-uuid').set('Authorization', auth), 400, 'INVALID_INPUT');
    });

    it('is for admins and owners: a member gets 403, an admin gets through', async () => {
      const member = await t.userToken(tenant, 'member');
      const admin = await t.userToken(tenant, 'admin');
      expectError(await t.http.get('/api/webhooks').set('Authorization', `Bearer ${member.token}`), 403, 'FORBIDDEN');
      expectError(
        await t.http.post('/api/webhooks').set('Authorization', `Bearer ${member.token}`).send({ url: `${receiver.url}/hook`, events: ['*'] }),
        403,
        'FORBIDDEN',
      );
      await subscribe({}, `Bearer ${admin.token}`);
      expectError(await t.http.get('/api/webhooks'), 401, 'UNAUTHORIZED');
    });

    it('keeps tenants apart: another tenant’s subscription and deliveries are 404', async () => {
      const hook = await subscribe({});
      const other = await t.createTenant();
      const as = `Bearer ${other.ownerToken}`;
      expectError(await t.http.get(`/api/webhooks/${hook.id}`).set('Authorization', as), 404, 'NOT_FOUND');
      expectError(await t.http.patch(`/api/webhooks/${hook.id}`).set('Authorization', as).send({ active: false }), 404, 'NOT_FOUND');
      expectError(await t.http.get(`/api/webhooks/${hook.id}/deliveries`).set('Authorization', as), 404, 'NOT_FOUND');
      expectError(await t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', as), 404, 'NOT_FOUND');
      expect((await t.http.get('/api/webhooks').set('Authorization', as)).body.pagination.total).toBe(0);
      // Events of the other tenant never reach this tenant's subscription.
      await t.http.post('/api/agents').set('Authorization', as).send({ name: 'Elsewhere', role: 'x' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(0);
    });
  });

  describe('delivery', () => {
    it('delivers agent.created with the reference body, verifiable with the standardwebhooks library', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      const created = await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Signed', role: 'Support' });
      expect(created.status).toBe(201);
      await receiver.waitFor(1);
      const [got] = receiver.received;
      expect(got.path).toBe('/hook');
      expect(got.headers['content-type']).toBe('application/json');
      // The Standard Webhooks reference implementation, not our own code, checks the signature.
      const verified = new Webhook(hook.secret!).verify(got.body, got.headers as Record<string, string>);
      expect(verified).toEqual(got.json);
      expect(got.json).toMatchObject({ event: 'agent.created', tenant: tenant.slug, data: { id: created.body.data.id, name: 'Signed', role: 'Support', maturity_level: 'student' } });
      expect(got.headers['webhook-id']).toBe(got.json.id);
      expect(new Date(got.json.timestamp).toISOString()).toBe(got.json.timestamp);
      // The simple signature: hex HMAC of the body with the same key bytes.
      const key = Buffer.from(hook.secret!.slice('whsec_'.length), 'base64');
      expect(got.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', key).update(got.body).digest('hex')}`);
      // A tampered body does not verify.
      expect(() => new Webhook(hook.secret!).verify(got.body.replace('Signed', 'Forged'), got.headers as Record<string, string>)).toThrow();
      const [delivery] = await eventually(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'delivered' && list;
      });
      expect(delivery).toMatchObject({ event: 'agent.created', attempts: 1, last_status_code: 200, last_error: null });
    });

    it('signs with the UTF-8 bytes of a plain supplied secret', async () => {
      await subscribe({ events: ['agent.updated'], secret: 'plain-secret-for-a-simple-receiver' });
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Plain', role: 'x' })).body.data;
      await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: 'changed' });
      await receiver.waitFor(1);
      const [got] = receiver.received;
      expect(got.json).toMatchObject({ event: 'agent.updated', data: { id: agent.id, description: 'changed' } });
      expect(new Webhook('plain-secret-for-a-simple-receiver', { format: 'raw' }).verify(got.body, got.headers as Record<string, string>)).toBeTruthy();
    });

    it('sends only the subscribed events, in event order, and agent.deleted carries the agent', async () => {
      await subscribe({ events: ['agent.updated', 'agent.deleted'] });
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Ordered', role: 'x' })).body.data;
      for (const description of ['one', 'two', 'three']) {
        await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description });
      }
      await t.http.delete(`/api/agents/${agent.id}`).set('Authorization', auth);
      await receiver.waitFor(4);
      expect(receiver.received.map((hook) => hook.json.event)).toEqual(['agent.updated', 'agent.updated', 'agent.updated', 'agent.deleted']);
      expect(receiver.received.slice(0, 3).map((hook) => hook.json.data.description)).toEqual(['one', 'two', 'three']);
      expect(receiver.received[3].json.data).toMatchObject({ id: agent.id, name: 'Ordered' });
      expect(receiver.of('agent.created')).toHaveLength(0);
    });

    it('sends agent.executed with the reference fields when an execution finishes', async () => {
      await subscribe({ events: ['agent.executed'] });
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Runner', role: 'x' })).body.data;
      const run = await t.http.post(`/api/agents/${agent.id}/execute`).set('Authorization', auth).send({ task: 'Say hello' });
      expect(run.status).toBe(200);
      await receiver.waitFor(1);
      expect(receiver.received[0].json.data).toEqual({
        agent_id: agent.id,
        execution_id: run.body.data.execution_id,
        status: run.body.data.status,
        result: run.body.data.output,
      });
    });

    it('sends episode.feedback and training.completed', async () => {
      await subscribe({ events: ['episode.feedback', 'training.completed'] });
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Learner', role: 'x' })).body.data;
      const run = (await t.http.post(`/api/agents/${agent.id}/execute`).set('Authorization', auth).send({ task: 'Greet the customer' })).body.data;
      const feedback = await t.http
        .post(`/api/graduation/episodes/${run.episode_id}/feedback`)
        .set('Authorization', auth)
        .send({ rating: 5, correction: 'Hello, and welcome!' });
      expect(feedback.status).toBe(201);
      await receiver.waitFor(1);
      expect(receiver.received[0].json).toMatchObject({
        event: 'episode.feedback',
        data: { episode_id: run.episode_id, agent_id: agent.id, rating: 5, score: 1, aggregate_feedback_score: 1, correction: 'Hello, and welcome!', replaced: false },
      });
      const train = await t.http.post(`/api/agents/${agent.id}/train`).set('Authorization', auth).send({});
      expect(train.status).toBe(202);
      await receiver.waitFor(2);
      expect(receiver.received[1].json).toMatchObject({ event: 'training.completed', data: { agent_id: agent.id, examples_count: 1, source: 'feedback' } });
    });

    it('writes nothing for a change that rolls back', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      const db = t.app.get(TenantDb);
      const record = await t.app.get(TenantsService).getBySlug(tenant.slug);
      await expect(
        db.run({ schema: schemaForSlug(tenant.slug) }, async (em) => {
          await t.app.get(WebhookEvents).emit(em, record, 'agent.created', { id: 'rolled-back' });
          throw new Error('the change fails after the event was written');
        }),
      ).rejects.toThrow('the change fails');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(0);
      expect(await deliveries(hook.id)).toHaveLength(0);
    });

    it('retries a 500 on the schedule, then succeeds', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      receiver.answer({ status: 500, body: 'temporarily broken' });
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Retry', role: 'x' });
      await receiver.waitFor(2, 8000);
      expect(receiver.received[1].headers['webhook-id']).toBe(receiver.received[0].headers['webhook-id']);
      expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(700); // 1 s schedule, -20% jitter
      const [delivery] = await eventually(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'delivered' && list;
      });
      expect(delivery).toMatchObject({ attempts: 2, last_status_code: 200, last_error: null });
    });

    it('times out a slow receiver and fails the delivery after the last retry', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      receiver.answer({ status: 200, delayMs: 1000 }, { status: 200, delayMs: 1000 }, { status: 200, delayMs: 1000 });
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Slow', role: 'x' });
      const [delivery] = await eventually(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'failed' && list;
      }, 10_000);
      expect(delivery).toMatchObject({ attempts: 3, last_status_code: null });
      expect(delivery.last_error).toMatch(/timeout after 400 ms/);
      expect(receiver.received).toHaveLength(3);
      const webhook = (await t.http.get(`/api/webhooks/${hook.id}`).set('Authorization', auth)).body.data;
      expect(webhook).toMatchObject({ consecutive_failures: 1, active: true });
    });

    it('does not follow redirects: a 3xx is a failed attempt', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      receiver.answer({ status: 301, headers: { location: `${receiver.url}/elsewhere` } });
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Moved', role: 'x' });
      await receiver.waitFor(2, 8000);
      expect(receiver.received.map((hook) => hook.path)).toEqual(['/hook', '/hook']);
      const [delivery] = await eventually(async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'delivered' && list;
      });
      expect(delivery.attempts).toBe(2);
    });

    it('honours Retry-After on 429', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      receiver.answer({ status: 429, headers: { 'retry-after': '2' } });
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Busy', role: 'x' });
      await receiver.waitFor(2, 8000);
      // The schedule alone would retry after about 1 s.
      expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(1900);
      await eventually(async () => (await deliveries(hook.id))[0]?.status === 'delivered');
    });

    it('disables the subscription on 410 Gone', async () => {
      const res = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/gone`, events: ['agent.created'] });
      const hook = res.body.data;
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Gone', role: 'x' });
      const webhook = await eventually(async () => {
        const current = (await t.http.get(`/api/webhooks/${hook.id}`).set('Authorization', auth)).body.data;
        return !current.active && current;
      });
      expect(webhook.disabled_reason).toBe('the receiver answered 410 Gone');
      expect((await deliveries(hook.id))[0]).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 410 });
      // Later events are not sent to a disabled subscription.
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Gone again', role: 'x' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(1);
    });

    it('retries a failed delivery on request, and answers 404 for another subscription’s delivery', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      receiver.answer({ status: 500 }, { status: 500 }, { status: 500 });
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Manual', role: 'x' });
      const [failed] = await eventually(async () => {
        const list = await deliveries(hook.id, '?status=failed');
        return list.length > 0 && list;
      }, 10_000);
      const retried = await t.http.post(`/api/webhooks/${hook.id}/deliveries/${failed.id}/retry`).set('Authorization', auth);
      expect(retried.status).toBe(202);
      expect(retried.body.data).toMatchObject({ id: failed.id, status: 'pending' });
      await eventually(async () => (await deliveries(hook.id))[0]?.status === 'delivered');
      expect((await deliveries(hook.id))[0].attempts).toBe(4);
      expect(receiver.received).toHaveLength(4);

      const other = await subscribe({ events: ['agent.deleted'] });
      expectError(await t.http.post(`/api/webhooks/${other.id}/deliveries/${failed.id}/retry`).set('Authorization', auth), 404, 'NOT_FOUND');
      expectError(await t.http.post(`/api/webhooks/${hook.id}/deliveries/${MISSING}/retry`).set('Authorization', auth), 404, 'NOT_FOUND');
      expectError(await t.http.get(`/api/webhooks/${hook.id}/deliveries?status=lost`).set('Authorization', auth), 400, 'INVALID_INPUT');
    });

    it('refuses to retry any delivery of a disabled subscription (409 CONFLICT), a webhook.test one included, changing nothing', async () => {
      const hook = await subscribe({ events: ['agent.created'] });
      receiver.answer({ status: 500 }, { status: 500 }, { status: 500 });
      await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Disabled retry', role: 'x' });
      await eventually(async () => (await deliveries(hook.id, '?status=failed')).length > 0, 10_000);
      const test = await t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', auth);
      expect(test.body.data).toMatchObject({ event: 'webhook.test', status: 'delivered' });
      expect((await t.http.patch(`/api/webhooks/${hook.id}`).set('Authorization', auth).send({ active: false })).body.data.active).toBe(false);
      const before = await deliveries(hook.id);
      expect(before.map((d) => [d.event, d.status]).sort()).toEqual([['agent.created', 'failed'], ['webhook.test', 'delivered']]);
      const received = receiver.received.length;
      for (const delivery of before) {
        const res = await t.http.post(`/api/webhooks/${hook.id}/deliveries/${delivery.id}/retry`).set('Authorization', auth);
        expectError(res, 409, 'CONFLICT');
        expect(res.body.error.message).toMatch(/disabled/);
      }
      const [queued] = await t.app.get(DataSource).query(
        'SELECT count(*)::int AS n FROM public.webhook_queue WHERE delivery_id = ANY($1::uuid[])',
        [before.map((d) => d.id)],
      );
      expect(queued.n).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await deliveries(hook.id)).toEqual(before);
      expect(receiver.received).toHaveLength(received);
      // Re-enabled, the same retry is accepted.
      await t.http.patch(`/api/webhooks/${hook.id}`).set('Authorization', auth).send({ active: true });
      const testDelivery = before.find((d) => d.event === 'webhook.test')!;
      expect((await t.http.post(`/api/webhooks/${hook.id}/deliveries/${testDelivery.id}/retry`).set('Authorization', auth)).status).toBe(202);
      await receiver.waitFor(received + 1);
    });

    it('sends webhook.test now and answers with the attempt’s result', async () => {
      const hook = await subscribe({ events: ['agent.deleted'] });
      const res = await t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ event: 'webhook.test', status: 'delivered', attempts: 1, last_status_code: 200 });
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0].json).toMatchObject({ event: 'webhook.test', data: { webhook_id: hook.id } });
      expect(new Webhook(hook.secret!).verify(receiver.received[0].body, receiver.received[0].headers as Record<string, string>)).toBeTruthy();
    });

    it('deleting a subscription while it is tested, and while events are written for it, fails none of them (no 500, no deadlock)', async () => {
      for (let round = 0; round < 4; round++) {
        const hook = await subscribe({ events: ['*'] });
        const requests = [
          t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', auth),
          t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', auth),
          t.http.delete(`/api/webhooks/${hook.id}`).set('Authorization', auth),
          t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', auth),
          t.http.post('/api/agents').set('Authorization', auth).send({ name: `Racer ${round}`, role: 'r' }),
          t.http.post('/api/agents').set('Authorization', auth).send({ name: `Racer ${round}b`, role: 'r' }),
        ];
        const [test1, test2, removed, test3, agent1, agent2] = await Promise.all(requests);
        expect(removed.status).toBe(200);
        for (const test of [test1, test2, test3]) expect([200, 404]).toContain(test.status);
        // The events' writes wait for the delete or go first: either way the agents are created.
        expect([agent1.status, agent2.status]).toEqual([201, 201]);
        expectError(await t.http.get(`/api/webhooks/${hook.id}`).set('Authorization', auth), 404, 'NOT_FOUND');
        for (const agent of [agent1, agent2]) await t.http.delete(`/api/agents/${agent.body.data.id}`).set('Authorization', auth).expect(200);
      }
    });

    it('writes the test delivery already claimed, so a polling worker never takes it from the request', async () => {
      const hook = await subscribe({ events: ['agent.deleted'] });
      // The queue row comes out of the same statement locked until after the request's own attempt.
      const record = await t.app.get(TenantsService).getBySlug(tenant.slug);
      const claim = await t.app.get(TenantDb).run(record, (em) => t.app.get(WebhookEvents).enqueueTest(em, record, hook.id, 60));
      const [queued] = await t.app.get(DataSource).query(
        'SELECT locked_until > now() + interval \'50 seconds\' AS claimed FROM public.webhook_queue WHERE delivery_id = $1',
        [claim.delivery_id],
      );
      expect(queued).toEqual({ claimed: true });
      await t.app.get(DataSource).query('DELETE FROM public.webhook_queue WHERE delivery_id = $1', [claim.delivery_id]);
      // And through the route, with the worker polling every 50 ms: each answer is the finished attempt.
      for (let i = 0; i < 20; i += 1) {
        const res = await t.http.post(`/api/webhooks/${hook.id}/test`).set('Authorization', auth);
        expect(res.body.data).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200 });
      }
      expect(receiver.received).toHaveLength(20);
    });

    it('disables a subscription after 20 consecutive failed deliveries; an admin re-enables it', async () => {
      const res = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/fail`, events: ['agent.updated'] });
      const hook = res.body.data;
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Flaky', role: 'x' })).body.data;
      // 19 failures come from the SQL below; the 20th from a real delivery that exhausts its retries.
      await t.app.get(DataSource).query(`UPDATE "${schemaForSlug(tenant.slug)}".webhooks SET consecutive_failures = 19 WHERE id = $1`, [hook.id]);
      await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: 'x' });
      const disabled = await eventually(async () => {
        const current = (await t.http.get(`/api/webhooks/${hook.id}`).set('Authorization', auth)).body.data;
        return !current.active && current;
      }, 10_000);
      expect(disabled).toMatchObject({ consecutive_failures: 20, disabled_reason: '20 consecutive deliveries failed' });
      const enabled = await t.http.patch(`/api/webhooks/${hook.id}`).set('Authorization', auth).send({ active: true, url: `${receiver.url}/hook` });
      expect(enabled.body.data).toMatchObject({ active: true, consecutive_failures: 0, disabled_reason: null });
      receiver.reset();
      await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: 'y' });
      await receiver.waitFor(1);
      expect(receiver.received[0].json.data.description).toBe('y');
    });

    it('counts real failures: a delivery that exhausts its retries adds one to the subscription', async () => {
      const res = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/fail`, events: ['agent.updated'] });
      const hook = res.body.data;
      const agent = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Twice', role: 'x' })).body.data;
      await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: 'a' });
      await t.http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: 'b' });
      const current = await eventually(async () => {
        const webhook = (await t.http.get(`/api/webhooks/${hook.id}`).set('Authorization', auth)).body.data;
        return webhook.consecutive_failures === 2 && webhook;
      }, 10_000);
      expect(current.active).toBe(true);
      expect(receiver.received).toHaveLength(6); // 2 deliveries x (1 attempt + 2 retries)
    });
  });
});

describe('Webhooks: destination safety (private destinations not allowed)', () => {
  let receiver: WebhookReceiver;
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await TestApp.start({ WEBHOOK_RETRY_SCHEDULE: '', WEBHOOK_POLL_INTERVAL_MS: '50' });
    tenant = await t.createTenant();
    auth = `Bearer ${tenant.ownerToken}`;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('refuses loopback, private, link-local and metadata URLs at creation', async () => {
    const urls = [
      receiver.url,
      'http://localhost:8080/hook',
      'http://10.0.0.5/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://0.0.0.0/hook',
      'http://user:pass@example.com/hook',
    ];
    for (const url of urls) {
      const res = await t.http.post('/api/webhooks').set('Authorization', auth).send({ url, events: ['*'] });
      expectError(res, 400, 'INVALID_INPUT');
      expect(res.body.error.details.fields[0].field).toBe('url');
      expect(res.body.error.message).toMatch(/Destination refused/);
    }
  });

  it('refuses at delivery too: a stored URL that now points inside is never called', async () => {
    // As if the name had resolved to a public address when the subscription was made (DNS rebinding).
    const schema = schemaForSlug(tenant.slug);
    const sealed = new SecretBox(t.config.encryptionKey).seal('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const [hook] = await t.app
      .get(DataSource)
      .query(`INSERT INTO "${schema}".webhooks (url, events, secret_encrypted) VALUES ($1, '{*}', $2) RETURNING id`, [`${receiver.url}/hook`, sealed]);
    await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Inside', role: 'x' });
    const delivery = await eventually(async () => {
      const list = (await t.http.get(`/api/webhooks/${hook.id}/deliveries`).set('Authorization', auth)).body.data;
      return list[0]?.status === 'failed' && list[0];
    });
    expect(delivery.last_error).toMatch(/Destination refused/);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('Webhooks: the outbox across processes (PostgreSQL)', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  beforeEach(() => receiver.reset());

  withPostgres('an event committed by a process that stops before sending it is delivered by the next one', async () => {
    // The first process writes events but sends nothing (as if it died right after the commit).
    const first = await TestApp.start({ ...FAST, WEBHOOK_WORKER: 'false' });
    let second: TestApp | undefined;
    try {
      const tenant = await first.createTenant();
      const auth = `Bearer ${tenant.ownerToken}`;
      await first.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/hook`, events: ['agent.created'] });
      const agent = (await first.http.post('/api/agents').set('Authorization', auth).send({ name: 'Survivor', role: 'x' })).body.data;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(0);
      second = await TestApp.start(FAST, { shareDatabaseWith: first });
      await first.close();
      await receiver.waitFor(1);
      expect(receiver.received[0].json).toMatchObject({ event: 'agent.created', data: { id: agent.id } });
    } finally {
      await second?.close();
      await first.close().catch(() => undefined);
    }
  });

  withPostgres('two worker processes deliver 100 events exactly once per attempt', async () => {
    const one = await TestApp.start(FAST);
    const two = await TestApp.start(FAST, { shareDatabaseWith: one });
    try {
      const tenant = await one.createTenant(undefined, 'enterprise');
      const auth = `Bearer ${tenant.ownerToken}`;
      const hooks = [];
      for (let i = 0; i < 2; i++) {
        hooks.push((await one.http.post('/api/webhooks').set('Authorization', auth).send({ url: `${receiver.url}/hook`, events: ['agent.updated'] })).body.data);
      }
      const agent = (await one.http.post('/api/agents').set('Authorization', auth).send({ name: 'Busy', role: 'x' })).body.data;
      // 50 updates through each process: 100 events, 2 subscriptions each, so 200 deliveries.
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? one : two).http.patch(`/api/agents/${agent.id}`).set('Authorization', auth).send({ description: `v${i}` })),
      );
      await receiver.waitFor(200, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.received).toHaveLength(200);
      const perSubscription = new Set(receiver.received.map((hook) => `${hook.headers['x-atom-delivery']}`));
      expect(perSubscription.size).toBe(200);
      expect(new Set(receiver.received.map((hook) => hook.json.id)).size).toBe(100);
      const schema = schemaForSlug(tenant.slug);
      const [counts] = await one.app.get(DataSource).query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'delivered' AND attempts = 1)::int AS once FROM "${schema}".webhook_deliveries`,
      );
      expect(counts).toEqual({ total: 200, once: 200 });
      const [queue] = await one.app.get(DataSource).query(`SELECT count(*)::int AS left FROM public.webhook_queue`);
      expect(queue.left).toBe(0);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
