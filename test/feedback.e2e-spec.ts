import { DataSource } from 'typeorm';
import { TenantFixture, TestApp, expectError } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';
const schemaOf = (slug: string) => `"tenant_${slug.replace(/-/g, '_')}"`;
const EPISODE_FIELDS = [
  'id', 'agent_id', 'execution_id', 'session_id', 'task', 'output', 'outcome', 'status', 'maturity_at_time', 'steps',
  'human_intervention_count', 'governance_violations', 'compliance_score', 'aggregate_feedback_score', 'started_at', 'completed_at', 'duration_ms',
].sort();

describe('Graduation: episodes and feedback', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let auth: string;
  let other: TenantFixture;

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
    other = await t.createTenant(undefined, 'enterprise');
  });
  afterAll(async () => {
    await t?.close();
  });

  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);
  const agent = async (body: Record<string, unknown> = {}) =>
    (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Learner', role: 'Support', ...body })).body.data.id as string;
  const execute = async (agentId: string, task: string) => {
    const res = await t.http.post(`/api/agents/${agentId}/execute`).set('Authorization', auth).send({ task });
    expect(res.status).toBe(200);
    return res.body.data as { episode_id: string; execution_id: string; status: string };
  };
  const episodes = (agentId: string, query = '', as = auth) => t.http.get(`/api/graduation/agents/${agentId}/episodes${query}`).set('Authorization', as);
  const give = (episodeId: string, body: Record<string, unknown>, as = auth) =>
    t.http.post(`/api/graduation/episodes/${episodeId}/feedback`).set('Authorization', as).send(body);
  const feedbackOf = (episodeId: string, as = auth) => t.http.get(`/api/graduation/episodes/${episodeId}/feedback`).set('Authorization', as);

  describe('GET /api/graduation/agents/{id}/episodes', () => {
    let agentId: string;
    let ids: string[];

    beforeAll(async () => {
      agentId = await agent({ tools: ['draft'] });
      const first = await execute(agentId, 'say hello to the first customer');
      const blocked = await execute(agentId, 'use draft for a reply to the customer');
      const third = await execute(agentId, 'say goodbye to the third customer');
      expect(blocked.status).toBe('blocked');
      ids = [first.episode_id, blocked.episode_id, third.episode_id];
      // Fixed completion dates, so that the date filters have something definite to cut.
      const schema = schemaOf(tenant.slug);
      await sql(`UPDATE ${schema}.episodes SET completed_at = '2025-02-01T10:00:00Z' WHERE id = $1`, [ids[0]]);
      await sql(`UPDATE ${schema}.episodes SET completed_at = '2025-02-03T23:30:00Z' WHERE id = $1`, [ids[1]]);
      await sql(`UPDATE ${schema}.episodes SET completed_at = '2025-02-05T08:00:00Z' WHERE id = $1`, [ids[2]]);
    });

    it('lists the agent’s episodes newest first, paginated, with every field snake_case', async () => {
      const res = await episodes(agentId);
      expect(res.status).toBe(200);
      expect(res.body.pagination).toEqual({ page: 1, limit: 20, total: 3, pages: 1 });
      expect(res.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1], ids[0]]);
      const [latest] = res.body.data;
      expect(Object.keys(latest).sort()).toEqual(EPISODE_FIELDS);
      expect(latest).toMatchObject({
        agent_id: agentId,
        task: 'say goodbye to the third customer',
        outcome: 'success',
        status: 'success',
        maturity_at_time: 'student',
        session_id: null,
        human_intervention_count: 0,
        governance_violations: 0,
        compliance_score: 1,
        aggregate_feedback_score: null,
        completed_at: '2025-02-05T08:00:00.000Z',
      });
      expect(latest.execution_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Array.isArray(latest.steps)).toBe(true);
      const page2 = await episodes(agentId, '?limit=2&page=2');
      expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
      expect(page2.body.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
      const oldestFirst = await episodes(agentId, '?order=asc');
      expect(oldestFirst.body.data.map((e: { id: string }) => e.id)).toEqual(ids);
    });

    it('filters by outcome, by completion date (a bare date is the whole day) and by text', async () => {
      const partial = await episodes(agentId, '?outcome=partial');
      expect(partial.body.data.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
      expect(partial.body.data[0]).toMatchObject({ outcome: 'partial', status: 'blocked', governance_violations: 1 });
      const window = await episodes(agentId, '?from=2025-02-02&to=2025-02-03');
      expect(window.body.data.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
      const instant = await episodes(agentId, `?from=${encodeURIComponent('2025-02-01T10:00:00Z')}&to=${encodeURIComponent('2025-02-03T23:00:00+00:00')}`);
      expect(instant.body.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
      const text = await episodes(agentId, '?q=GOODBYE');
      expect(text.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2]]);
      const none = await episodes(agentId, '?outcome=failure');
      expect(none.body).toMatchObject({ data: [], pagination: { total: 0, pages: 0 } });
    });

    it('refuses bad filters with the field in details', async () => {
      for (const [query, field] of [
        ['?outcome=great', 'outcome'],
        ['?from=yesterday', 'from'],
        ['?to=2025-13-01', 'to'],
        ['?from=2025-02-01T10:00:00', 'from'],
        ['?limit=101', 'limit'],
        ['?sort=task', 'sort'],
        ['?agent=1', 'agent'],
      ]) {
        const res = await episodes(agentId, query);
        expectError(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      }
      const reversed = await episodes(agentId, '?from=2025-02-05&to=2025-02-01');
      expectError(reversed, 400, 'INVALID_INPUT');
      expect(reversed.body.error.details.fields[0].field).toBe('from');
      expectError(await episodes('not-a-uuid'), 400, 'INVALID_INPUT');
    });

    it('is 404 AGENT_NOT_FOUND for an unknown agent and for another tenant’s', async () => {
      expectError(await episodes(MISSING), 404, 'AGENT_NOT_FOUND');
      expectError(await episodes(agentId, '', `Bearer ${other.ownerToken}`), 404, 'AGENT_NOT_FOUND');
    });
  });

  describe('feedback', () => {
    let agentId: string;

    beforeAll(async () => {
      agentId = await agent();
    });

    it('first feedback is 201; the same person’s second replaces it (200); the aggregate is the mean of the scores', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'answer the billing question');
      const first = await give(episodeId, { rating: 5, comment: 'spot on' });
      expect(first.status).toBe(201);
      expect(first.body.data).toMatchObject({
        episode_id: episodeId,
        agent_id: agentId,
        rating: 5,
        thumbs: null,
        correction: null,
        comment: 'spot on',
        score: 1,
      });
      expect(first.body.data.actor).toEqual({ type: 'user', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });

      const replaced = await give(episodeId, { thumbs: 'down' });
      expect(replaced.status).toBe(200);
      expect(replaced.body.data).toMatchObject({ id: first.body.data.id, rating: null, thumbs: 'down', comment: null, score: -1 });

      const member = await t.userToken(tenant, 'member');
      const byMember = await give(episodeId, { rating: 4 }, `Bearer ${member.token}`);
      expect(byMember.status).toBe(201);
      expect(byMember.body.data.score).toBe(0.5);

      const listed = await feedbackOf(episodeId);
      expect(listed.status).toBe(200);
      expect(listed.body.data).toMatchObject({ count: 2, aggregate_feedback_score: -0.25 });
      expect(listed.body.data.feedback.map((f: { id: string }) => f.id)).toEqual([byMember.body.data.id, first.body.data.id]);
      const [episode] = (await episodes(agentId)).body.data.filter((e: { id: string }) => e.id === episodeId);
      expect(episode).toMatchObject({ aggregate_feedback_score: -0.25, human_intervention_count: 0 });
    });

    it('a correction counts once as a human intervention; a correction-only feedback has no score', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'explain the refund policy');
      const interventions = async () =>
        (await episodes(agentId)).body.data.find((e: { id: string }) => e.id === episodeId).human_intervention_count;

      const corrected = await give(episodeId, { correction: 'Refunds within 30 days, no questions asked.' });
      expect(corrected.status).toBe(201);
      expect(corrected.body.data).toMatchObject({ score: null, correction: 'Refunds within 30 days, no questions asked.' });
      expect((await feedbackOf(episodeId)).body.data).toMatchObject({ count: 1, aggregate_feedback_score: null });
      expect(await interventions()).toBe(1);

      // Replacing it with another correction (and a rating) does not count it again.
      const again = await give(episodeId, { correction: 'Refunds within 30 days.', rating: 2 });
      expect(again.status).toBe(200);
      expect(await interventions()).toBe(1);
      expect((await feedbackOf(episodeId)).body.data.aggregate_feedback_score).toBe(-0.5);

      // Another person's correction is another intervention.
      const admin = await t.userToken(tenant, 'admin');
      await give(episodeId, { correction: 'Refunds within 30 days of delivery.', thumbs: 'up' }, `Bearer ${admin.token}`).expect(201);
      expect(await interventions()).toBe(2);
      expect((await feedbackOf(episodeId)).body.data).toMatchObject({ count: 2, aggregate_feedback_score: 0.25 });

      // Withdrawing a correction (replacing the feedback by one without) takes its intervention back.
      await give(episodeId, { rating: 3 }).expect(200);
      expect(await interventions()).toBe(1);
    });

    it('a correction of spaces only is 400: no feedback, no human intervention', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'answer with something');
      const interventions = async () =>
        (await episodes(agentId)).body.data.find((e: { id: string }) => e.id === episodeId).human_intervention_count;
      for (const correction of [' ', '      ', '\n\n\t', '\u00a0\u2003']) {
        for (const body of [{ correction }, { correction, rating: 4 }]) {
          const res = await give(episodeId, body);
          expectError(res, 400, 'INVALID_INPUT');
          expect(res.body.error.details.fields).toEqual([{ field: 'correction', errors: ['correction must contain a non-space character'] }]);
        }
      }
      expect((await feedbackOf(episodeId)).body.data.count).toBe(0);
      expect(await interventions()).toBe(0);
    });

    it('an API key gives its own feedback, separate from its creator’s', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'tell the time');
      const key = (await t.http.post('/api/api-keys').set('Authorization', auth).send({ name: 'rater', role: 'member' })).body.data;
      await give(episodeId, { thumbs: 'up' }).expect(201);
      const byKey = await t.http.post(`/api/graduation/episodes/${episodeId}/feedback`).set('X-API-Key', key.key).send({ thumbs: 'down' });
      expect(byKey.status).toBe(201);
      expect(byKey.body.data.actor).toEqual({ type: 'api_key', id: key.id });
      expect((await feedbackOf(episodeId)).body.data).toMatchObject({ count: 2, aggregate_feedback_score: 0 });
    });

    it('validates: at least one of rating, thumbs, correction; each field in range; no unknown fields', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'validate me');
      const empty = await give(episodeId, {});
      expectError(empty, 400, 'INVALID_INPUT');
      expect(empty.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['rating', 'thumbs', 'correction']);
      expectError(await give(episodeId, { comment: 'only a comment' }), 400, 'INVALID_INPUT');
      for (const [body, field] of [
        [{ rating: 6 }, 'rating'],
        [{ rating: 0 }, 'rating'],
        [{ rating: 4.5 }, 'rating'],
        [{ rating: '5' }, 'rating'],
        [{ thumbs: 'sideways' }, 'thumbs'],
        [{ correction: '' }, 'correction'],
        [{ correction: 'x'.repeat(20001) }, 'correction'],
        [{ rating: 3, comment: 'c'.repeat(2001) }, 'comment'],
        [{ rating: 3, score: 1 }, 'score'],
      ] as const) {
        const res = await give(episodeId, body);
        expectError(res, 400, 'INVALID_INPUT');
        expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      }
      expect((await feedbackOf(episodeId)).body.data.count).toBe(0);
    });

    it('is 404 NOT_FOUND for an unknown episode and for another tenant’s', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'private episode');
      expectError(await give(MISSING, { rating: 3 }), 404, 'NOT_FOUND');
      expectError(await feedbackOf(MISSING), 404, 'NOT_FOUND');
      const outsider = `Bearer ${other.ownerToken}`;
      expectError(await give(episodeId, { rating: 1 }, outsider), 404, 'NOT_FOUND');
      expectError(await feedbackOf(episodeId, outsider), 404, 'NOT_FOUND');
      expect((await feedbackOf(episodeId)).body.data.count).toBe(0);
      expectError(await give('nope', { rating: 3 }), 400, 'INVALID_INPUT');
    });

    it('Idempotency-Key: a repeat replays the first answer (201) without giving it twice', async () => {
      const { episode_id: episodeId } = await execute(agentId, 'idempotent feedback');
      const key = `fb-${Date.now()}`;
      const first = await give(episodeId, { correction: 'better' }).set('Idempotency-Key', key);
      const again = await give(episodeId, { correction: 'better' }).set('Idempotency-Key', key);
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data.id).toBe(first.body.data.id);
      const [{ human_intervention_count: count }] = await sql(`SELECT human_intervention_count FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [episodeId]);
      expect(count).toBe(1);
      expectError(await give(episodeId, { correction: 'other' }).set('Idempotency-Key', key), 409, 'CONFLICT');
    });

    it('deleting the agent deletes its episodes’ feedback', async () => {
      const doomed = await agent();
      const { episode_id: episodeId } = await execute(doomed, 'short-lived');
      await give(episodeId, { rating: 5 }).expect(201);
      await t.http.delete(`/api/agents/${doomed}`).set('Authorization', auth).expect(200);
      const [{ count }] = await sql(`SELECT count(*)::int AS count FROM ${schemaOf(tenant.slug)}.feedback WHERE episode_id = $1`, [episodeId]);
      expect(count).toBe(0);
    });
  });
});
