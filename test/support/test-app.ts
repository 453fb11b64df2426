import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app';
import { AppConfig, loadConfig } from '../../src/config/config';

export const PLATFORM_KEY = 'test-platform-key-0123456789';
export const PASSWORD = 'correct horse battery staple';

export interface TenantFixture {
  slug: string;
  ownerEmail: string;
  ownerToken: string;
  refreshToken: string;
}

/**
 * Boots the real application on a database of its own: a fresh database on the PostgreSQL server of
 * DATABASE_URL when it is set (CI), else an in-memory embedded PGlite. Returns helpers for tests.
 */
export class TestApp {
  private constructor(
    readonly app: NestExpressApplication,
    readonly config: AppConfig,
    private readonly database: DatabaseLease,
  ) {}

  /**
   * `shareDatabaseWith`: boot a second app (another "node") on the same database as `other` instead of
   * a fresh one; the database is dropped when the last app using it closes. Needs DATABASE_URL (an
   * embedded in-memory database belongs to one app).
   */
  static async start(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestApp> {
    const shared = options.shareDatabaseWith;
    if (shared) {
      if (!shared.config.databaseUrl) throw new Error('shareDatabaseWith needs DATABASE_URL: an embedded in-memory database cannot be shared');
      shared.database.users += 1;
      try {
        return await TestApp.boot({ ...env, DATABASE_URL: shared.config.databaseUrl }, shared.database);
      } catch (error) {
        await shared.database.release();
        throw error;
      }
    }
    const adminUrl = process.env.DATABASE_URL;
    let databaseUrl: string | undefined;
    let dropDatabase = async () => undefined;
    if (adminUrl) {
      const name = `atom_test_${randomBytes(6).toString('hex')}`;
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      dropDatabase = async () => {
        const client = new Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      };
    }
    const database = new DatabaseLease(dropDatabase);
    try {
      return await TestApp.boot({ ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...env }, database);
    } catch (error) {
      await database.release();
      throw error;
    }
  }

  private static async boot(env: Record<string, string>, database: DatabaseLease): Promise<TestApp> {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: ':memory:',
      JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
      PLATFORM_ADMIN_KEY: PLATFORM_KEY,
      LOG_LEVEL: 'error',
      ...env,
    });
    const app = await createApp(config, { logger: false });
    return new TestApp(app, config, database);
  }

  get http() {
    return request(this.app.getHttpServer());
  }

  /** Provisions a tenant through the platform API and logs its owner in. */
  async createTenant(slug = uniqueSlug(), plan = 'team'): Promise<TenantFixture> {
    const ownerEmail = `owner@${slug}.test`;
    const created = await this.http
      .post('/api/tenants')
      .set('X-Platform-Key', PLATFORM_KEY)
      .send({ slug, name: `Tenant ${slug}`, plan, admin_email: ownerEmail, admin_password: PASSWORD });
    if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await this.http.post('/api/auth/login').set('X-Tenant-ID', slug).send({ email: ownerEmail, password: PASSWORD });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
    return { slug, ownerEmail, ownerToken: login.body.data.access_token, refreshToken: login.body.data.refresh_token };
  }

  /** Creates a user of `role` in the tenant and returns its access token. */
  async userToken(tenant: TenantFixture, role: 'owner' | 'admin' | 'member'): Promise<{ id: string; token: string; email: string }> {
    const email = `${role}-${randomBytes(4).toString('hex')}@${tenant.slug}.test`;
    const created = await this.http
      .post('/api/users')
      .set('Authorization', `Bearer ${tenant.ownerToken}`)
      .send({ email, password: PASSWORD, role });
    if (created.status !== 201) throw new Error(`user creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await this.http.post('/api/auth/login').set('X-Tenant-ID', tenant.slug).send({ email, password: PASSWORD });
    return { id: created.body.data.id, token: login.body.data.access_token, email };
  }

  async close(): Promise<void> {
    try {
      await this.app.close();
    } finally {
      await this.database.release();
    }
  }
}

export interface StartOptions {
  /**
   * Run on the database of this already started app (a second node of the same deployment). Each app
   * has its own providers (counter store, tenant cache, pool), but passport strategies are registered
   * process-wide, so both apps verify credentials with the last-started app's JwtStrategy/ApiKeyStrategy
   * (same database and secret, so the answers agree; its tenant cache is that app's, though).
   */
  shareDatabaseWith?: TestApp;
}

/** A test database and the apps using it: dropped once, when the last of them closes. */
class DatabaseLease {
  users = 1;

  constructor(private readonly drop: () => Promise<void>) {}

  async release(): Promise<void> {
    this.users -= 1;
    if (this.users === 0) await this.drop();
  }
}

let counter = 0;
export function uniqueSlug(prefix = 't'): string {
  counter += 1;
  return `${prefix}${counter}-${randomBytes(3).toString('hex')}`;
}

/** The error envelope every failure must have. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body.success).toBe(false);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.meta.request_id).toMatch(/\S+/);
}
