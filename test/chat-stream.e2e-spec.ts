import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { ChatRecovery, TURN_LIFETIME_MS } from '../src/chat/chat-recovery';
import { FakeOpenAI } from './support/fake-openai';
import { SseClient } from './support/sse-client';
import { TenantFixture, TestApp, expectError } from './support/test-app';

// GET /api/chat/stream read with a real SSE client library (eventsource) against the app listening on
// a real port, the model being the fake OpenAI-compatible server (it streams word-sized chunks).

const GRACE_SECONDS = 0.6;
const schemaOf = (slug: string) => `"tenant_${slug.replace(/-/g, '_')}"`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('Chat streams (SSE)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let tenant: TenantFixture;
  let auth: string;
  let base: string;
  let agentId: string;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    t = await TestApp.start({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: fake.url,
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '10000',
      CHAT_RESUME_GRACE: String(GRACE_SECONDS),
      CHAT_HISTORY_TOKENS: '80',
    });
    const server = t.app.getHttpServer() as http.Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tenant = await t.createTenant(undefined, 'enterprise');
    auth = `Bearer ${tenant.ownerToken}`;
    agentId = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Streamer', role: 'Chat tester' })).body.data.id;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);
  const messagesOfTurn = (turnId: string) =>
    sql(`SELECT role, content, status, interrupted_reason, episode_id FROM ${schemaOf(tenant.slug)}.chat_messages WHERE turn_id = $1 ORDER BY seq`, [turnId]);
  const streamUrl = (params: Record<string, string>) => `${base}/api/chat/stream?${new URLSearchParams(params).toString()}`;
  const open = (params: Record<string, string>, headers: Record<string, string> = { Authorization: auth }) => new SseClient(streamUrl(params), headers);

  async function waitForAnswer(turnId: string) {
    for (let i = 0; i < 100; i++) {
      const rows = await messagesOfTurn(turnId);
      if (rows.some((row: { role: string }) => row.role === 'assistant')) return rows;
      await sleep(50);
    }
    throw new Error(`turn ${turnId} left no answer`);
  }

  it('streams session, deltas and done in order, with ids, and stores both messages once (access_token query parameter)', async () => {
    const text = 'The March invoices were approved on Tuesday by finance.';
    fake.reply({ content: text, usage: { prompt_tokens: 40, completion_tokens: 11 } });
    // A browser EventSource cannot send headers: the token comes as a query parameter.
    const client = open({ agent_id: agentId, message: 'What happened to the March invoices?', access_token: tenant.ownerToken }, {});
    await client.until((c) => c.ended);

    const types = client.events.map((e) => e.type);
    expect(types[0]).toBe('session');
    expect(types[types.length - 1]).toBe('done');
    expect(types.slice(1, -1).every((type) => type === 'delta')).toBe(true);
    expect(client.deltas.length).toBeGreaterThan(3);
    const [session] = client.events;
    const { session_id: sessionId, turn_id: turnId } = session.data;
    expect(client.events.map((e) => e.id)).toEqual([...client.events.slice(0, -1).map((_, i) => `${turnId}:${i}`), `${turnId}:end`]);

    const done = client.events[client.events.length - 1].data;
    expect(client.deltas.join('')).toBe(text);
    expect(done.message).toMatchObject({ role: 'assistant', content: text, status: 'complete', session_id: sessionId, turn_id: turnId, interrupted_reason: null });
    expect(done.usage).toEqual({ prompt_tokens: 40, completion_tokens: 11 });
    expect(done.episode_id).toBe(done.message.episode_id);

    const stored = await t.http.get(`/api/sessions/${sessionId}`).set('Authorization', auth);
    expect(stored.status).toBe(200);
    expect(stored.body.data.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'What happened to the March invoices?'],
      ['assistant', text],
    ]);
    expect(stored.body.data.messages[1]).toEqual(JSON.parse(JSON.stringify(done.message)));
    const [episode] = await sql(`SELECT session_id, execution_id, outcome, task, output FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [done.episode_id]);
    expect(episode).toEqual({ session_id: sessionId, execution_id: null, outcome: 'success', task: 'What happened to the March invoices?', output: text });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].stream).toBe(true);
  });

  it('answers with SSE headers, rate-limit headers and comment-free frames; errors before the stream are the JSON envelope', async () => {
    fake.reply({ content: 'Short answer.' });
    const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.get(streamUrl({ agent_id: agentId, message: 'hello' }), { headers: { authorization: auth } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      });
      req.on('error', reject);
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toMatch(/no-cache/);
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['x-ratelimit-limit']).toBeDefined();
    expect(res.headers['x-request-id']).toMatch(/\S/);
    expect(res.body).toMatch(/^id: [0-9a-f-]{36}:0\nevent: session\ndata: \{/);
    expect(res.body).toMatch(/id: [0-9a-f-]{36}:end\nevent: done\ndata: \{.*\}\n\n$/);
    expect(res.body).not.toContain('"success"');

    const invalid = await t.http.get('/api/chat/stream').query({ agent_id: 'nope' }).set('Authorization', auth);
    expectError(invalid, 400, 'INVALID_INPUT');
    expect(invalid.headers['content-type']).toMatch(/^application\/json/);
    expect(invalid.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['agent_id', 'message']);
    const blank = await t.http.get('/api/chat/stream').query({ agent_id: '00000000-0000-4000-8000-000000000000', message: '   ' }).set('Authorization', auth);
    expectError(blank, 400, 'INVALID_INPUT');
    expect(blank.body.error.details.fields).toEqual([{ field: 'message', errors: ['message must contain a non-space character'] }]);
    const neither = await t.http.get('/api/chat/stream').query({ message: 'hi' }).set('Authorization', auth);
    expectError(neither, 400, 'INVALID_INPUT');
    expect(neither.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['session_id', 'agent_id']);
    expectError(await t.http.get('/api/chat/stream').query({ session_id: '00000000-0000-4000-8000-000000000000', message: 'hi' }).set('Authorization', auth), 404, 'NOT_FOUND');
    expectError(await t.http.get('/api/chat/stream').query({ agent_id: '00000000-0000-4000-8000-000000000000', message: 'hi' }).set('Authorization', auth), 404, 'AGENT_NOT_FOUND');
    expectError(await t.http.get('/api/chat/stream').query({ agent_id: agentId, message: 'hi' }), 401, 'UNAUTHORIZED');
    expectError(await t.http.get('/api/chat/stream').query({ agent_id: agentId, message: 'hi', access_token: 'not-a-token' }), 401, 'UNAUTHORIZED');
    const badLast = await t.http.get('/api/chat/stream').query({ agent_id: agentId, message: 'hi' }).set('Authorization', auth).set('Last-Event-ID', 'garbage');
    expectError(badLast, 400, 'INVALID_INPUT');
    // The query-string token is for the stream only.
    expectError(await t.http.get('/api/sessions').query({ access_token: tenant.ownerToken }), 401, 'UNAUTHORIZED');
    expect(fake.requests).toHaveLength(1);
  });

  it('a client that disconnects mid-stream: the call goes on for the grace period, then the partial answer is stored as interrupted', async () => {
    const text = words(80);
    fake.reply({ content: text, chunkDelayMs: 40 });
    const client = open({ agent_id: agentId, message: 'Tell me a long story' });
    await client.until((c) => c.deltas.length >= 3);
    client.close();
    const turnId = client.events[0].data.turn_id;
    const received = client.deltas.join('');

    const rows = await waitForAnswer(turnId);
    expect(rows.map((r: { role: string }) => r.role)).toEqual(['user', 'assistant']);
    const answer = rows[1];
    expect(answer).toMatchObject({ status: 'interrupted', interrupted_reason: 'client_gone' });
    // It went on after the client left (the grace period), and stopped well before the end.
    expect(answer.content.startsWith(received)).toBe(true);
    expect(answer.content.length).toBeGreaterThan(received.length);
    expect(text.startsWith(answer.content)).toBe(true);
    expect(answer.content.length).toBeLessThan(text.length);
    const [episode] = await sql(`SELECT outcome, status, session_id FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [answer.episode_id]);
    expect(episode).toMatchObject({ outcome: 'partial', status: 'interrupted' });
    expect(fake.requests).toHaveLength(1);
  });

  it('resumes with turn_id and Last-Event-ID: the missed events, then the rest live, without calling the model again', async () => {
    const text = words(40);
    fake.reply({ content: text, chunkDelayMs: 25 });
    const first = open({ agent_id: agentId, message: 'Resume me' });
    await first.until((c) => c.deltas.length >= 3);
    first.close();
    const { session_id: sessionId, turn_id: turnId } = first.events[0].data;
    const lastSeen = first.events[first.events.length - 1].id;
    const seenSeq = Number(lastSeen.split(':')[1]);

    // An id the turn has not sent yet is refused (it would get events the client says it has seen).
    const ahead = await t.http.get('/api/chat/stream').query({ session_id: sessionId, turn_id: turnId }).set('Authorization', auth).set('Last-Event-ID', `${turnId}:500`);
    expectError(ahead, 400, 'INVALID_INPUT');
    expect(ahead.body.error.details.fields[0]).toMatchObject({ field: 'last_event_id' });

    const second = open({ session_id: sessionId, turn_id: turnId }, { Authorization: auth, 'Last-Event-ID': lastSeen });
    await second.until((c) => c.ended);
    expect(second.events[0].id).toBe(`${turnId}:${seenSeq + 1}`);
    expect(second.events.some((e) => e.type === 'session')).toBe(false);
    const done = second.events[second.events.length - 1];
    expect(done.type).toBe('done');
    expect(first.deltas.concat(second.deltas).join('')).toBe(text);
    expect(done.data.message).toMatchObject({ content: text, status: 'complete' });
    expect(fake.requests).toHaveLength(1);

    // Just after the end: still in memory, an exact replay.
    const replay = open({ session_id: sessionId, turn_id: turnId }, { Authorization: auth, 'Last-Event-ID': `${turnId}:1` });
    await replay.until((c) => c.ended);
    expect(replay.events[0].id).toBe(`${turnId}:2`);
    expect(replay.deltas.join('')).toBe(text.slice(first.deltas[0].length));

    // Later: the stored result (session, then done), still without a model call.
    await sleep(GRACE_SECONDS * 1000 + 300);
    const stored = open({ session_id: sessionId, turn_id: turnId });
    await stored.until((c) => c.ended);
    expect(stored.events.map((e) => [e.type, e.id])).toEqual([
      ['session', `${turnId}:0`],
      ['done', `${turnId}:end`],
    ]);
    expect(stored.events[1].data).toEqual(done.data);
    // After the last event there is nothing more: 204 (which stops a browser EventSource reconnecting).
    const after = await t.http.get('/api/chat/stream').query({ session_id: sessionId, turn_id: turnId }).set('Authorization', auth).set('Last-Event-ID', `${turnId}:end`);
    expect(after.status).toBe(204);
    expect((await messagesOfTurn(turnId)).map((r: { role: string }) => r.role)).toEqual(['user', 'assistant']);
    expect(fake.requests).toHaveLength(1);
  });

  it('a reconnect to the starting URL with Last-Event-ID (what EventSource does) resumes the turn instead of starting another', async () => {
    fake.reply({ content: words(30), chunkDelayMs: 25 });
    const params = { agent_id: agentId, message: 'Reconnect me' };
    const first = open(params);
    await first.until((c) => c.deltas.length >= 2);
    first.close();
    const turnId = first.events[0].data.turn_id;
    const again = open(params, { Authorization: auth, 'Last-Event-ID': first.events[first.events.length - 1].id });
    await again.until((c) => c.ended);
    expect(first.deltas.concat(again.deltas).join('')).toBe(words(30));
    expect((await messagesOfTurn(turnId)).filter((r: { role: string }) => r.role === 'user')).toHaveLength(1);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM ${schemaOf(tenant.slug)}.chat_messages WHERE content = 'Reconnect me'`);
    expect(n).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('cancel stops the turn at once: the stream gets done with the interrupted message; a second cancel is 409', async () => {
    fake.reply({ content: words(100), chunkDelayMs: 40 });
    const client = open({ agent_id: agentId, message: 'Cancel me' });
    await client.until((c) => c.deltas.length >= 2);
    const { turn_id: turnId, session_id: sessionId } = client.events[0].data;

    // One turn at a time per session.
    const busy = await t.http.post('/api/chat').set('Authorization', auth).send({ session_id: sessionId, message: 'me too' });
    expectError(busy, 409, 'CONFLICT');
    expect(busy.body.error.details).toMatchObject({ session_id: sessionId, turn_id: turnId });

    const cancelled = await t.http.post(`/api/chat/turns/${turnId}/cancel`).set('Authorization', auth);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ session_id: sessionId, turn_id: turnId, message: { status: 'interrupted', interrupted_reason: 'cancelled' } });
    await client.until((c) => c.ended);
    const done = client.events[client.events.length - 1];
    expect(done.type).toBe('done');
    expect(done.data.message).toEqual(cancelled.body.data.message);
    expect(words(100).startsWith(done.data.message.content)).toBe(true);
    expect(done.data.message.content.length).toBeLessThan(words(100).length);
    // The provider reports usage only at the end: an interrupted call's is estimated (4 characters a token).
    expect(done.data.usage.completion_tokens).toBe(Math.ceil(done.data.message.content.length / 4));
    expect(done.data.usage.prompt_tokens).toBeGreaterThan(0);
    const [episode] = await sql(`SELECT outcome, human_intervention_count FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [done.data.episode_id]);
    expect(episode).toEqual({ outcome: 'partial', human_intervention_count: 1 });
    expectError(await t.http.post(`/api/chat/turns/${turnId}/cancel`).set('Authorization', auth), 409, 'CONFLICT');
    expectError(await t.http.post('/api/chat/turns/00000000-0000-4000-8000-000000000000/cancel').set('Authorization', auth), 404, 'NOT_FOUND');
    expectError(await t.http.post('/api/chat/turns/not-a-uuid/cancel').set('Authorization', auth), 400, 'INVALID_INPUT');
  });

  it('ids are ids in any case: a busy session in capitals is still busy (409), and a live turn in capitals can be resumed and cancelled', async () => {
    fake.reply({ content: words(100), chunkDelayMs: 40 });
    const client = open({ agent_id: agentId.toUpperCase(), message: 'Case matters not' });
    await client.until((c) => c.deltas.length >= 2);
    const { session_id: sessionId, turn_id: turnId } = client.events[0].data;
    expect([sessionId, turnId]).toEqual([sessionId.toLowerCase(), turnId.toLowerCase()]);

    expectError(await t.http.post('/api/chat').set('Authorization', auth).send({ session_id: sessionId.toUpperCase(), message: 'me too' }), 409, 'CONFLICT');
    const second = await t.http.get('/api/chat/stream').query({ session_id: sessionId.toUpperCase(), message: 'and me' }).set('Authorization', auth);
    expectError(second, 409, 'CONFLICT');

    const resumed = open({ session_id: sessionId.toUpperCase(), turn_id: turnId.toUpperCase() }, { Authorization: auth, 'Last-Event-ID': `${turnId.toUpperCase()}:1` });
    await resumed.until((c) => c.deltas.length >= 1);
    expect(resumed.events[0].id).toBe(`${turnId}:2`);

    const cancelled = await t.http.post(`/api/chat/turns/${turnId.toUpperCase()}/cancel`).set('Authorization', auth);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ turn_id: turnId, message: { status: 'interrupted', interrupted_reason: 'cancelled' } });
    await Promise.all([client.until((c) => c.ended), resumed.until((c) => c.ended)]);
    expect((await t.http.get(`/api/sessions/${sessionId.toUpperCase()}`).set('Authorization', auth)).body.data.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  });

  it('HEAD does not start a turn: 404, nothing stored, the model not called', async () => {
    const count = async () => Number((await sql(`SELECT count(*)::int AS n FROM ${schemaOf(tenant.slug)}.chat_sessions`))[0].n);
    const before = await count();
    const res = await t.http.head('/api/chat/stream').query({ agent_id: agentId, message: 'Just checking' }).set('Authorization', auth);
    expect(res.status).toBe(404);
    expect(await count()).toBe(before);
    expect(fake.requests).toHaveLength(0);
  });

  it('a turn whose server died before storing anything is closed as interrupted (shutdown) once no process can still run it', async () => {
    const schema = schemaOf(tenant.slug);
    const newSession = async () =>
      (
        await sql(
          `INSERT INTO ${schema}.chat_sessions (agent_id, title, owner_type, owner_id)
           SELECT $1, 'Crashed', 'user', id FROM ${schema}.users WHERE role = 'owner' LIMIT 1 RETURNING id`,
          [agentId],
        )
      )[0].id as string;
    // What a process that died mid-turn leaves: the user message, the turn still open, no answer.
    const crashedTurn = async (sessionId: string, age: string) => {
      const [message] = await sql(
        `WITH opened AS (INSERT INTO ${schema}.chat_open_turns (turn_id, session_id, started_at) VALUES ($3, $1, now() - $2::interval))
         INSERT INTO ${schema}.chat_messages (session_id, turn_id, role, content, created_at)
         VALUES ($1, $3, 'user', 'Were you there?', now() - $2::interval) RETURNING turn_id`,
        [sessionId, age, randomUUID()],
      );
      await sql(`UPDATE ${schema}.chat_sessions SET message_count = message_count + 1 WHERE id = $1`, [sessionId]);
      return message.turn_id as string;
    };
    const oldSession = await newSession();
    const old = await crashedTurn(oldSession, '1 hour');
    const recent = await crashedTurn(await newSession(), '10 seconds');
    // The session went on before the crashed turn was closed: a later turn in it, answered.
    fake.reply({ content: 'I am back.' });
    expect((await t.http.post('/api/chat').set('Authorization', auth).send({ session_id: oldSession, message: 'Hello again' })).status).toBe(200);

    await t.app.get(ChatRecovery).sweep(new Date(Date.now() - TURN_LIFETIME_MS));
    const [answer] = (await messagesOfTurn(old)).filter((row: { role: string }) => row.role === 'assistant');
    expect(answer).toMatchObject({ content: '', status: 'interrupted', interrupted_reason: 'shutdown' });
    const [episode] = await sql(`SELECT outcome, status, session_id, task FROM ${schema}.episodes WHERE id = $1`, [answer.episode_id]);
    expect(episode).toEqual({ outcome: 'partial', status: 'interrupted', session_id: oldSession, task: 'Were you there?' });
    const [session] = await sql(`SELECT message_count FROM ${schema}.chat_sessions WHERE id = $1`, [oldSession]);
    expect(session.message_count).toBe(4);
    // A resume now gets the stored result instead of 404.
    const resumed = open({ session_id: oldSession, turn_id: old }, { Authorization: auth, 'Last-Event-ID': `${old}:0` });
    await resumed.until((c) => c.ended);
    expect(resumed.events[resumed.events.length - 1]).toMatchObject({ type: 'done', data: { message: { status: 'interrupted', interrupted_reason: 'shutdown' } } });
    // Younger than a turn can live: it may be running in another process, so it is left alone until later.
    expect((await messagesOfTurn(recent)).map((row: { role: string }) => row.role)).toEqual(['user']);
    await t.app.get(ChatRecovery).sweep(new Date());
    expect((await messagesOfTurn(recent)).map((row: { role: string }) => row.role)).toEqual(['user', 'assistant']);
    // Answered turns leave nothing open behind them.
    expect(await sql(`SELECT turn_id FROM ${schema}.chat_open_turns WHERE session_id = $1`, [oldSession])).toEqual([]);
  });

  it('holds no database connection while streaming: more streams than the pool has connections stream at once', async () => {
    const pool = (t.app.get(DataSource).driver as unknown as { master: { totalCount: number; idleCount: number; options: { max: number } } }).master;
    const streams = pool.options.max + 2;
    for (let i = 0; i < streams; i++) fake.reply({ content: words(60), chunkDelayMs: 40 });
    const clients = Array.from({ length: streams }, (_, i) => open({ agent_id: agentId, message: `Stream number ${i}` }));
    try {
      await Promise.all(clients.map((client) => client.until((c) => c.deltas.length >= 2)));
      // All of them are mid-answer now; if each held a connection, the last two would still be waiting for one.
      const inUse: number[] = [];
      for (let i = 0; i < 10; i++) {
        inUse.push(pool.totalCount - pool.idleCount);
        await sleep(20);
      }
      expect(clients.every((client) => !client.ended)).toBe(true);
      // Background work (the webhook worker's poll) may borrow one for a moment; a stream never does.
      expect(Math.max(...inUse)).toBeLessThanOrEqual(2);
    } finally {
      for (const client of clients) client.close();
    }
  });

  it('deleting the session mid-stream interrupts the turn: the stream ends with error NOT_FOUND, no message is left, the episode stays', async () => {
    fake.reply({ content: words(100), chunkDelayMs: 40 });
    const client = open({ agent_id: agentId, message: 'Delete me midway' });
    await client.until((c) => c.deltas.length >= 2);
    const { session_id: sessionId, turn_id: turnId } = client.events[0].data;
    expect((await t.http.delete(`/api/sessions/${sessionId}`).set('Authorization', auth)).status).toBe(200);
    await client.until((c) => c.ended);
    const last = client.events[client.events.length - 1];
    expect([last.type, last.id, last.data.code]).toEqual(['error', `${turnId}:end`, 'NOT_FOUND']);
    expect(await messagesOfTurn(turnId)).toEqual([]);
    // Every turn records an episode (the agent's memory), this one too, as the session's earlier ones stay.
    const episodes = await sql(`SELECT task, status, outcome FROM ${schemaOf(tenant.slug)}.episodes WHERE session_id = $1`, [sessionId]);
    expect(episodes).toEqual([{ task: 'Delete me midway', status: 'interrupted', outcome: 'partial' }]);
  });

  it('deleting the agent mid-stream stops its turns at once: the stream ends with error NOT_FOUND, the model call is cut short', async () => {
    const doomed = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Doomed', role: 'Chat tester' })).body.data.id;
    fake.reply({ content: words(100), chunkDelayMs: 40 });
    const client = open({ agent_id: doomed, message: 'Delete my agent midway' });
    await client.until((c) => c.deltas.length >= 2);
    const startedAt = Date.now();
    expect((await t.http.delete(`/api/agents/${doomed}`).set('Authorization', auth)).status).toBe(200);
    await client.until((c) => c.ended);
    // 100 chunks 40 ms apart would take 4 s more if the turn ran to its end.
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(client.deltas.length).toBeLessThan(60);
    const last = client.events[client.events.length - 1];
    expect([last.type, last.data.code]).toEqual(['error', 'NOT_FOUND']);
    expect(last.data.message).toMatch(/deleted during the turn/);
  });

  it('sends the session history within CHAT_HISTORY_TOKENS (oldest dropped first) after the system prompt', async () => {
    fake.reply({ content: 'First answer.' });
    const first = await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: agentId, message: `Long opening ${'x'.repeat(400)}` });
    expect(first.status).toBe(200);
    const sessionId = first.body.data.session_id;
    fake.reply({ content: 'Second answer.' });
    await t.http.post('/api/chat').set('Authorization', auth).send({ session_id: sessionId, message: 'Short question' }).expect(200);
    fake.reply({ content: 'Third answer.' });
    await t.http.post('/api/chat').set('Authorization', auth).send({ session_id: sessionId, message: 'And now?' }).expect(200);
    const sent = fake.requests[2].messages;
    expect(sent[0].role).toBe('system');
    // The 400-character opening (about 100 tokens) does not fit in 80 tokens; the newer messages do.
    expect(sent.slice(1).map((m) => [m.role, m.content])).toEqual([
      ['assistant', 'First answer.'],
      ['user', 'Short question'],
      ['assistant', 'Second answer.'],
      ['user', 'And now?'],
    ]);
  });

  it('a model answer holding an unpaired surrogate is stored (as U+FFFD) with its episode, not failed', async () => {
    fake.reply({ content: 'Broken \ud800 text' });
    const res = await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: agentId, message: 'Say something odd' });
    expect(res.status).toBe(200);
    expect(res.body.data.message).toMatchObject({ status: 'complete', content: 'Broken \ufffd text' });
    const [episode] = await sql(`SELECT output FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [res.body.data.episode_id]);
    expect(episode.output).toBe('Broken \ufffd text');
  });

  it('a NUL character in a streamed answer reaches the client and the store as U+FFFD; the answer is kept, not failed', async () => {
    fake.reply({ content: 'a\u0000b and more text' });
    const client = open({ agent_id: agentId, message: 'Send me a NUL' });
    await client.until((c) => c.ended);
    const done = client.events[client.events.length - 1];
    expect(done.type).toBe('done');
    expect(client.deltas.join('')).toBe('a\ufffdb and more text');
    expect(done.data.message).toMatchObject({ status: 'complete', content: 'a\ufffdb and more text' });
    const [episode] = await sql(`SELECT output, outcome FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [done.data.episode_id]);
    expect(episode).toEqual({ output: 'a\ufffdb and more text', outcome: 'success' });
  });

  it("puts the agent's learned examples and the episodes recalled for the message (its own, by shared terms) in the prompt", async () => {
    const learner = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Learner', role: 'Billing clerk' }).expect(201)).body.data.id;
    const bystander = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Bystander', role: 'Other' }).expect(201)).body.data.id;
    fake.reply({ content: 'Sent the ACME invoice to billing.' });
    await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: learner, message: 'Invoice ACME for March' }).expect(200);
    fake.reply({ content: 'Nothing to do with invoices.' });
    await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: bystander, message: 'Invoice ACME for April' }).expect(200);
    const schema = schemaOf(tenant.slug);
    const [run] = await sql(`INSERT INTO ${schema}.training_runs (agent_id, source, max_examples, status) VALUES ($1, 'feedback', 5, 'completed') RETURNING id`, [learner]);
    await sql(
      `INSERT INTO ${schema}.agent_examples (agent_id, input, output, origin, rank, training_run_id)
       VALUES ($1, 'Second best task', 'Second best answer', 'episode', 2, $2), ($1, 'Best task', 'Best answer', 'correction', 1, $2)`,
      [learner, run.id],
    );

    fake.reply({ content: 'Done.' });
    await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: learner, message: 'Another invoice for acme, please' }).expect(200);
    const system = fake.requests[fake.requests.length - 1].messages[0];
    expect(system.role).toBe('system');
    expect(system.content).toMatch(/Learned examples[^\n]*\n1\. Task: Best task\n {3}Answer: Best answer\n2\. Task: Second best task\n {3}Answer: Second best answer/);
    expect(system.content).toMatch(/Relevant earlier episodes of yours:\n1\. Task: Invoice ACME for March\n {3}Outcome: success\n {3}Answer: Sent the ACME invoice to billing\./);
    expect(system.content).not.toContain('April');

    // A message with no term worth recalling: the examples still come, no episodes.
    fake.reply({ content: 'Hi.' });
    await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: learner, message: 'hi' }).expect(200);
    const plain = fake.requests[fake.requests.length - 1].messages[0].content;
    expect(plain).toContain('1. Task: Best task');
    expect(plain).not.toContain('Relevant earlier episodes');
  });

  it('a tool call that needs an approval is not run in a chat: the model is told, the decision is stored', async () => {
    const intern = (await t.http.post('/api/agents').set('Authorization', auth).send({ name: 'Intern', role: 'Poster', tools: ['http_request'] })).body.data.id;
    await sql(`UPDATE ${schemaOf(tenant.slug)}.agents SET maturity_level = 'intern' WHERE id = $1`, [intern]);
    fake.reply({ toolCalls: [{ id: 'call_post', name: 'http_request', arguments: { url: 'https://example.com/orders', method: 'POST' } }] });
    fake.reply({ content: 'I cannot send it without an approval.' });
    const client = open({ agent_id: intern, message: 'Post the order' });
    await client.until((c) => c.ended);
    const done = client.events[client.events.length - 1];
    expect(done.type).toBe('done');
    expect(done.data.message).toMatchObject({ content: 'I cannot send it without an approval.', status: 'complete' });
    const toolMessage = fake.requests[1].messages.find((m) => m.role === 'tool');
    expect(toolMessage).toMatchObject({ tool_call_id: 'call_post', content: expect.stringContaining('needs a person') });
    const decisions = await sql(`SELECT action, decision, execution_id FROM ${schemaOf(tenant.slug)}.governance_decisions WHERE agent_id = $1`, [intern]);
    expect(decisions).toEqual([{ action: 'http_request', decision: 'require_approval', execution_id: null }]);
    const [episode] = await sql(`SELECT outcome, status, governance_violations FROM ${schemaOf(tenant.slug)}.episodes WHERE id = $1`, [done.data.episode_id]);
    expect(episode).toEqual({ outcome: 'partial', status: 'blocked', governance_violations: 0 });
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM ${schemaOf(tenant.slug)}.approvals WHERE agent_id = $1`, [intern]);
    expect(n).toBe(0);
  });

  it('a provider failure ends the stream with event error (SERVICE_UNAVAILABLE); the failed answer is stored once', async () => {
    fake.fail(500, { message: 'upstream exploded' });
    const client = open({ agent_id: agentId, message: 'Fail please' });
    await client.until((c) => c.ended);
    expect(client.events.map((e) => e.type)).toEqual(['session', 'error']);
    const error = client.events[1];
    expect(error.id).toBe(`${client.events[0].data.turn_id}:end`);
    expect(error.data).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('HTTP 500') });
    const rows = await messagesOfTurn(client.events[0].data.turn_id);
    expect(rows.map((r: { role: string; status: string }) => [r.role, r.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'failed'],
    ]);

    fake.fail(503);
    const res = await t.http.post('/api/chat').set('Authorization', auth).send({ agent_id: agentId, message: 'Fail again' });
    expectError(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.body.error.details).toMatchObject({ session_id: expect.any(String), turn_id: expect.any(String) });
  });
});
