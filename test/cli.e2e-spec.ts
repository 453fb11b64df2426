import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../src/app';
import { runMigrateCli } from '../src/cli/migrate';
import { runTenantCli } from '../src/cli/tenant';
import { loadConfig } from '../src/config/config';
import { loadMigrations } from '../src/database/migrator';
import { PASSWORD, uniqueSlug } from './support/test-app';

type Env = Record<string, string>;

/**
 * A database the CLI runs can share: a fresh database on DATABASE_URL's server when it is set, else
 * a temporary DATA_DIR for the embedded PGlite (each run opens it, as separate processes would).
 */
async function freshDatabase(): Promise<{ env: Env; drop: () => Promise<void> }> {
  const base: Env = { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789', LOG_LEVEL: 'error' };
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'atom-cli-'));
    return { env: { ...base, DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `atom_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { ...base, DATA_DIR: ':memory:', DATABASE_URL: url.toString() },
    drop: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

const SLOW = 240_000;

describe('CLI: npm run tenant', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const tenant = (...argv: string[]) => runTenantCli(argv, db.env);

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses invalid arguments with the API’s field errors, exit code 2', async () => {
    const bad = await tenant('create', '--slug', 'Not_A-Slug', '--name', 'X', '--plan', 'gold', '--admin-email', 'nope', '--admin-password', PASSWORD);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('INVALID_INPUT');
    expect(bad.stderr).toMatch(/--slug: slug must be 3-40 characters/);
    expect(bad.stderr).toMatch(/--plan: /);
    expect(bad.stderr).toMatch(/--admin-email: /);
    expect(bad.stderr).not.toMatch(/--name: /);

    const reserved = await tenant('create', '--slug', 'api', '--name', 'X', '--plan', 'team', '--admin-email', 'a@b.test', '--admin-password', PASSWORD);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toMatch(/--slug: slug "api" is reserved/);

    const unknownOption = await tenant('list', '--bogus', '1');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/Unknown option '--bogus'/);
    expect((await tenant('list', '--limit', '500')).stderr).toMatch(/--limit: limit must not be greater than 100/);
    expect((await tenant('frobnicate')).code).toBe(2);
    expect((await tenant('update')).code).toBe(2);
    expect((await tenant('help')).code).toBe(0);
  }, 30_000);

  it(
    'creates, lists, updates and deletes a tenant; the owner it provisions can log in',
    async () => {
      const slug = uniqueSlug('cli');
      const created = await runTenantCli(
        ['create', '--slug', slug, '--name', 'CLI Corp', '--plan', 'team', '--admin-email', `boss@${slug}.test`],
        { ...db.env, ATOM_ADMIN_PASSWORD: PASSWORD },
      );
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(created.stdout)).toMatchObject({ slug, name: 'CLI Corp', plan: 'team', status: 'active', schema: `tenant_${slug.replace(/-/g, '_')}` });

      const duplicate = await tenant('create', '--slug', slug, '--name', 'Again', '--plan', 'team', '--admin-email', `x@${slug}.test`, '--admin-password', PASSWORD);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toContain('[CONFLICT]');

      const listed = await tenant('list', '--q', slug);
      expect(listed.code).toBe(0);
      const page = JSON.parse(listed.stdout);
      expect(page.data.map((t: { slug: string }) => t.slug)).toEqual([slug]);
      expect(page.pagination).toEqual({ page: 1, limit: 20, total: 1, pages: 1 });

      const updated = await tenant('update', slug, '--plan', 'solo', '--max-agents', '7', '--requests-per-minute', 'null');
      expect(updated.code).toBe(0);
      expect(JSON.parse(updated.stdout)).toMatchObject({ slug, plan: 'solo', max_agents: 7, requests_per_minute: null });
      expect((await tenant('update', slug, '--max-agents', 'many')).stderr).toMatch(/--max-agents: .*integer/);
      expect(JSON.parse((await tenant('get', slug)).stdout)).toMatchObject({ plan: 'solo', max_agents: 7 });

      // The API sees what the CLI provisioned: the owner logs in.
      const app = await createApp(loadConfig(db.env), { logger: false });
      try {
        const login = await request(app.getHttpServer()).post('/api/auth/login').set('X-Tenant-ID', slug).send({ email: `boss@${slug}.test`, password: PASSWORD });
        expect(login.status).toBe(200);
        expect(login.body.data.user.role).toBe('owner');
      } finally {
        await app.close();
      }

      const wrongConfirm = await tenant('delete', slug, '--confirm', `${slug}x`);
      expect(wrongConfirm.code).toBe(2);
      expect(wrongConfirm.stderr).toMatch(/--confirm: must equal the slug/);
      expect((await tenant('delete', slug)).code).toBe(2);
      expect((await tenant('get', slug)).code).toBe(0);

      const deleted = await tenant('delete', slug, '--confirm', slug);
      expect(deleted.code).toBe(0);
      expect(JSON.parse(deleted.stdout)).toEqual({ deleted: slug });
      const gone = await tenant('get', slug);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('[TENANT_NOT_FOUND]');
      expect(JSON.parse((await tenant('list', '--q', slug)).stdout).data).toEqual([]);
    },
    SLOW,
  );
});

describe('CLI: npm run migrate', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(
    'migrates public and every tenant; a second run applies nothing',
    async () => {
      const first = await runMigrateCli(db.env);
      expect(first.code).toBe(0);
      expect(first.publicApplied).toEqual(loadMigrations('public').map((m) => m.name));
      expect(first.tenants).toEqual([]);

      const slug = uniqueSlug('mig');
      const created = await runTenantCli(
        ['create', '--slug', slug, '--name', 'Mig', '--plan', 'free', '--admin-email', `o@${slug}.test`, '--admin-password', PASSWORD],
        db.env,
      );
      expect(created.code).toBe(0);

      const second = await runMigrateCli(db.env);
      expect(second.code).toBe(0);
      expect(second.publicApplied).toEqual([]);
      expect(second.tenants).toEqual([{ schema: `tenant_${slug.replace(/-/g, '_')}`, applied: [] }]);
      expect(second.stdout).toContain('public: up to date');
      expect(second.stdout).toMatch(/summary: public 0 applied; 1 tenant\(s\): 0 updated, 1 up to date, 0 failed/);
    },
    SLOW,
  );

  it('refuses an embedded data directory another live process has open', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'atom-cli-busy-'));
    try {
      // The Jest parent process stands in for a running server holding the lock.
      writeFileSync(join(dataDir, 'atom.lock'), String(process.ppid));
      const env = { NODE_ENV: 'test', DATA_DIR: dataDir, JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' };
      for (const result of [await runTenantCli(['list'], env), await runMigrateCli(env)]) {
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`in use by process ${process.ppid}`);
      }
      expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
