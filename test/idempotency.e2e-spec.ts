import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '../src/common/secret-box';
import { beforeAndAfterTenantMigration } from './support/migration-test';
import { schemaForSlug } from '../src/tenancy/slug';
import { TenantFixture, TestApp, expectError } from './support/test-app';

// Idempotency-Key across callers (a key belongs to the principal that sent it) and at rest (the stored
// response is sealed). The single-caller behaviour of each route is covered in that route's spec.

describe('Idempotency-Key: per caller, encrypted at rest', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let owner: string;
  let member1: string;
  let member2: string;
  let agentId: string;

  beforeAll(async () => {
    t = await TestApp.start({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_WORKER: 'false' });
    tenant = await t.createTenant(undefined, 'enterprise');
    owner = `Bearer ${tenant.ownerToken}`;
    member1 = `Bearer ${(await t.userToken(tenant, 'member')).token}`;
    member2 = `Bearer ${(await t.userToken(tenant, 'member')).token}`;
    agentId = (await t.http.post('/api/agents').set('Authorization', owner).send({ name: 'Keeper', role: 'Assistant' }).expect(201)).body.data.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const sql = (query: string, params: unknown[] = []) => t.app.get(DataSource).query(query, params);
  const table = () => `"${schemaForSlug(tenant.slug)}".idempotency_keys`;
  const post = (path: string, auth: string, key: string, body: Record<string, unknown>) =>
    t.http.post(path).set(auth.startsWith('atom_') ? 'X-API-Key' : 'Authorization', auth).set('Idempotency-Key', key).send(body);
  const newKey = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

  describe('a key belongs to its caller', () => {
    it('POST /api/chat: another member with the same key and body runs as their own request (404), never gets the answer', async () => {
      const session = (await t.http.post('/api/sessions').set('Authorization', member1).send({ agent_id: agentId }).expect(201)).body.data;
      expectError(await t.http.get(`/api/sessions/${session.id}`).set('Authorization', member2), 404, 'NOT_FOUND');
      const key = newKey('chat');
      const body = { session_id: session.id, message: 'secret plans for invoice 42' };

      const first = await post('/api/chat', member1, key, body);
      expect(first.status).toBe(200);
      expect(first.headers['idempotent-replayed']).toBeUndefined();

      const theirs = await post('/api/chat', member2, key, body);
      expectError(theirs, 404, 'NOT_FOUND');
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(JSON.stringify(theirs.body)).not.toContain(first.body.data.message.content);

      // member1's own retry still replays, after member2 used the same key string.
      const again = await post('/api/chat', member1, key, body);
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data).toEqual(first.body.data);
      // member2's key is a key of its own: their retry replays their own 404.
      const theirsAgain = await post('/api/chat', member2, key, body);
      expectError(theirsAgain, 404, 'NOT_FOUND');
      expect(theirsAgain.headers['idempotent-replayed']).toBe('true');

      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM "${schemaForSlug(tenant.slug)}".chat_messages WHERE content = $1`, [body.message]);
      expect(n).toBe(1);
      expect((await sql(`SELECT owner FROM ${table()} WHERE key = $1 ORDER BY owner`, [key])).length).toBe(2);
    });

    it('POST /api/sessions: the same key and body from another member creates their own session', async () => {
      const key = newKey('session');
      const body = { agent_id: agentId, title: 'Twin key session' };
      const first = await post('/api/sessions', member1, key, body);
      const theirs = await post('/api/sessions', member2, key, body);
      expect([first.status, theirs.status]).toEqual([201, 201]);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.data.id).not.toBe(first.body.data.id);
      expect(theirs.body.data.owner).not.toEqual(first.body.data.owner);
      expect((await t.http.get(`/api/sessions/${theirs.body.data.id}`).set('Authorization', member2)).status).toBe(200);

      const again = await post('/api/sessions', member1, key, body);
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data).toEqual(first.body.data);
    });

    it("POST /api/agents: a member API key with the owner's key and body creates its own agent", async () => {
      const apiKey: string = (await t.http.post('/api/api-keys').set('Authorization', owner).send({ name: 'svc', role: 'member' }).expect(201)).body.data.key;
      const key = newKey('agent');
      const body = { name: 'Twin key agent', role: 'r' };
      const mine = await post('/api/agents', owner, key, body);
      const theirs = await post('/api/agents', apiKey, key, body);
      expect([mine.status, theirs.status]).toEqual([201, 201]);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.data.id).not.toBe(mine.body.data.id);
      expect(theirs.body.data.created_by).not.toBe(mine.body.data.created_by);

      const replayed = await post('/api/agents', apiKey, key, body);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body.data).toEqual(theirs.body.data);
      expect((await t.http.get('/api/agents?q=Twin%20key%20agent').set('Authorization', owner)).body.pagination.total).toBe(2);
    });

    it('the same key with another body is still 409 for its caller, and conflicts with nobody else', async () => {
      const key = newKey('conflict');
      expect((await post('/api/agents', member1, key, { name: 'C1', role: 'r' })).status).toBe(201);
      expectError(await post('/api/agents', member1, key, { name: 'C2', role: 'r' }), 409, 'CONFLICT');
      const other = await post('/api/agents', member2, key, { name: 'C2', role: 'r' });
      expect(other.status).toBe(201);
      expect(other.headers['idempotent-replayed']).toBeUndefined();
      expectError(await post('/api/agents', member2, key, { name: 'C1', role: 'r' }), 409, 'CONFLICT');
    });
  });

  describe('stored responses are encrypted at rest', () => {
    it('a generated webhook secret is not in the table in plain text; the same caller gets it again, another admin does not', async () => {
      const key = newKey('webhook');
      const body = { url: 'http://127.0.0.1:9/hook', events: ['agent.created'] };
      const first = await post('/api/webhooks', owner, key, body);
      expect(first.status).toBe(201);
      const secret: string = first.body.data.secret;
      expect(secret).toMatch(/^whsec_/);

      const rows: { row: string; response_sealed: string }[] = await sql(`SELECT row_to_json(k)::text AS row, response_sealed FROM ${table()} k WHERE key = $1`, [key]);
      expect(rows).toHaveLength(1);
      expect(rows[0].response_sealed).toMatch(/^v1\./);
      for (const needle of [secret, secret.slice('whsec_'.length, 'whsec_'.length + 16), first.body.data.id, body.url]) {
        expect(rows[0].row).not.toContain(needle);
      }
      const [{ n }] = await sql(`SELECT count(*)::int AS n FROM ${table()} k WHERE row_to_json(k)::text LIKE $1`, [`%${secret.slice(6, 22)}%`]);
      expect(n).toBe(0);

      const again = await post('/api/webhooks', owner, key, body);
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.data.secret).toBe(secret);
      expect(again.body.data).toEqual(first.body.data);

      const admin = `Bearer ${(await t.userToken(tenant, 'admin')).token}`;
      const theirs = await post('/api/webhooks', admin, key, body);
      expect(theirs.status).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.data.id).not.toBe(first.body.data.id);
      expect(theirs.body.data.secret).not.toBe(secret);
    });

    it('a stored response that can no longer be decrypted (ENCRYPTION_KEY changed) is 409, and the request does not run again', async () => {
      const key = newKey('rotated');
      const body = { name: 'Rotated key agent', role: 'r' };
      const first = await post('/api/agents', member1, key, body);
      expect(first.status).toBe(201);
      const foreign = new SecretBox(randomBytes(32)).seal(JSON.stringify({ data: first.body.data }));
      await sql(`UPDATE ${table()} SET response_sealed = $2 WHERE key = $1`, [key, foreign]);

      const again = await post('/api/agents', member1, key, body);
      expectError(again, 409, 'CONFLICT');
      expect(again.body.error.message).toMatch(/can no longer be read/);
      expect((await t.http.get('/api/agents?q=Rotated%20key%20agent').set('Authorization', owner)).body.pagination.total).toBe(1);
    });
  });

  describe('tenant migration 0011', () => {
    it('drops the ownerless plain-text rows and makes the owner part of the primary key', async () => {
      await beforeAndAfterTenantMigration(t.app, '0011_idempotency_owner.sql', async (runner, migrate) => {
        await runner.query(
          `INSERT INTO idempotency_keys (key, request_hash, state, response_status, response_body)
           VALUES ('old', 'h', 'done', 201, '{"data":{"secret":"whsec_plain"}}'), ('running', 'h', 'running', NULL, NULL)`,
        );
        await migrate();

        expect(await runner.query('SELECT * FROM idempotency_keys')).toEqual([]);
        const columns: { column_name: string }[] = await runner.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'idempotency_keys'`,
        );
        expect(columns.map((c) => c.column_name)).toEqual(expect.arrayContaining(['owner', 'key', 'response_sealed']));
        expect(columns.map((c) => c.column_name)).not.toContain('response_body');
        await runner.query(`INSERT INTO idempotency_keys (owner, key, request_hash, state) VALUES ('user:a', 'k', 'h', 'running'), ('user:b', 'k', 'h', 'running')`);
        await expect(runner.query(`INSERT INTO idempotency_keys (owner, key, request_hash, state) VALUES ('user:a', 'k', 'h2', 'running')`)).rejects.toThrow();
      });
    });
  });
});
