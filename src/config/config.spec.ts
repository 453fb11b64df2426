import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

// Every case sets JWT_SECRET or DATA_DIR=:memory: so that no test writes ./data/jwt-secret in the repo.
const SECRET = 'x'.repeat(32);
const base = { DATA_DIR: ':memory:' };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  const config = loadConfig({ ...base });

  it('listens on port 3000', () => expect(config.port).toBe(3000));
  it('uses localhost as the tenant base domain', () => expect(config.tenantBaseDomain).toBe('localhost'));
  it('migrates on start', () => expect(config.migrateOnStart).toBe(true));
  it('keeps metrics off', () => expect(config.metricsEnabled).toBe(false));
  it('runs as development', () => expect(config.nodeEnv).toBe('development'));
  it('uses the local LLM engine with no key, URL or network', () => {
    expect(config).toMatchObject({ llmProvider: 'local', llmModel: 'local-echo', llmTimeoutMs: 60000 });
    expect(config.llmBaseUrl).toBeUndefined();
    expect(config.llmApiKey).toBeUndefined();
  });
  it('generates a JWT secret of at least 32 characters when none is set', () => {
    expect(config.jwtSecretGenerated).toBe(true);
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });
});

describe('loadConfig accepts valid values', () => {
  it('reads PORT, booleans, LOG_LEVEL and a provided JWT_SECRET', () => {
    const config = loadConfig({
      ...base, PORT: '8080', MIGRATE_ON_START: 'no', METRICS_ENABLED: 'TRUE', LOG_LEVEL: 'debug', JWT_SECRET: SECRET,
    });
    expect(config).toMatchObject({ port: 8080, migrateOnStart: false, metricsEnabled: true, logLevel: 'debug', jwtSecret: SECRET });
    expect(config.jwtSecretGenerated).toBe(false);
  });

  it('lowercases TENANT_BASE_DOMAIN', () => {
    expect(loadConfig({ ...base, TENANT_BASE_DOMAIN: 'Atom.Example.COM' }).tenantBaseDomain).toBe('atom.example.com');
  });

  it('accepts postgres and redis URLs', () => {
    const config = loadConfig({ ...base, DATABASE_URL: 'postgresql://u:p@db/atom', REDIS_URL: 'rediss://cache:6380' });
    expect(config.databaseUrl).toBe('postgresql://u:p@db/atom');
    expect(config.redisUrl).toBe('rediss://cache:6380');
  });

  it('defaults LLM_MODEL per provider', () => {
    expect(loadConfig({ ...base, LLM_PROVIDER: 'openai', LLM_API_KEY: 'sk-test' }).llmModel).toBe('gpt-4o-mini');
    expect(loadConfig({ ...base, LLM_PROVIDER: 'anthropic', LLM_API_KEY: 'k' }).llmModel).toBe('claude-3-5-haiku-latest');
    expect(loadConfig({ ...base, LLM_PROVIDER: 'local', LLM_MODEL: '' }).llmModel).toBe('local-echo');
  });

  it('reads the LLM settings', () => {
    const config = loadConfig({
      ...base, LLM_PROVIDER: 'openai', LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_API_KEY: 'sk-test',
      LLM_MODEL: 'llama3.2', LLM_TIMEOUT_MS: '1500',
    });
    expect(config).toMatchObject({
      llmProvider: 'openai', llmBaseUrl: 'http://127.0.0.1:11434/v1', llmApiKey: 'sk-test', llmModel: 'llama3.2', llmTimeoutMs: 1500,
    });
  });

  it('needs no LLM_API_KEY for an OpenAI-compatible server at LLM_BASE_URL', () => {
    const config = loadConfig({ ...base, LLM_PROVIDER: 'openai', LLM_BASE_URL: 'https://vllm.internal/v1' });
    expect(config.llmApiKey).toBeUndefined();
    expect(config.llmBaseUrl).toBe('https://vllm.internal/v1');
  });

  it('requires nothing more than JWT_SECRET in production', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).nodeEnv).toBe('production');
  });
});

describe('loadConfig refuses invalid variables, naming them', () => {
  const cases: [string, Record<string, string>][] = [
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['MIGRATE_ON_START', { MIGRATE_ON_START: 'maybe' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['JWT_SECRET', { JWT_SECRET: 'x'.repeat(31) }],
    ['JWT_SECRET', { NODE_ENV: 'production' }],
    ['PLATFORM_ADMIN_KEY', { PLATFORM_ADMIN_KEY: 'x'.repeat(15) }],
    ['TENANT_BASE_DOMAIN', { TENANT_BASE_DOMAIN: 'bad_domain' }],
    ['TENANT_BASE_DOMAIN', { TENANT_BASE_DOMAIN: '-atom.example' }],
    ['TENANT_BASE_DOMAIN', { TENANT_BASE_DOMAIN: 'atom..example' }],
    ['BODY_LIMIT', { BODY_LIMIT: 'lots' }],
    ['BODY_LIMIT', { BODY_LIMIT: '10gb' }],
    ['LLM_PROVIDER', { LLM_PROVIDER: 'gemini' }],
    ['LLM_PROVIDER', { LLM_PROVIDER: 'OpenAI' }],
    ['LLM_BASE_URL', { LLM_BASE_URL: 'not a url' }],
    ['LLM_BASE_URL', { LLM_BASE_URL: 'ftp://models.example/v1' }],
    ['LLM_API_KEY', { LLM_PROVIDER: 'openai' }],
    ['LLM_API_KEY', { LLM_PROVIDER: 'anthropic' }],
    ['LLM_API_KEY', { LLM_PROVIDER: 'anthropic', LLM_BASE_URL: 'http://proxy.internal' }],
    ['LLM_TIMEOUT_MS', { LLM_TIMEOUT_MS: 'soon' }],
    ['LLM_TIMEOUT_MS', { LLM_TIMEOUT_MS: '0' }],
    ['LLM_TIMEOUT_MS', { LLM_TIMEOUT_MS: '3600001' }],
  ];

  it.each(cases)('%s from %j', (variable, env) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('accepts a 16-character PLATFORM_ADMIN_KEY', () => {
    expect(loadConfig({ ...base, PLATFORM_ADMIN_KEY: 'k'.repeat(16) }).platformAdminKey).toBe('k'.repeat(16));
  });
});

describe('loadConfig development JWT secret', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'atom-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once, persisted in DATA_DIR with mode 0600, and reused by the next load', () => {
    const first = loadConfig({ DATA_DIR: dir });
    const file = join(dir, 'jwt-secret');

    expect(first.jwtSecretGenerated).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(first.jwtSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first.jwtSecret);
  });

  it('creates a missing DATA_DIR', () => {
    const nested = join(dir, 'a', 'b');
    const { jwtSecret } = loadConfig({ DATA_DIR: nested });
    expect(readFileSync(join(nested, 'jwt-secret'), 'utf8')).toBe(jwtSecret);
  });

  it('is not written when JWT_SECRET is set', () => {
    loadConfig({ DATA_DIR: dir, JWT_SECRET: SECRET });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a kept secret that is too short to sign with', () => {
    writeFileSync(join(dir, 'jwt-secret'), 'short\n');
    const { jwtSecret } = loadConfig({ DATA_DIR: dir });
    expect(jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8')).toBe(jwtSecret);
  });

  it('is not written when another variable is invalid', () => {
    expect(() => loadConfig({ DATA_DIR: dir, PORT: 'eighty' })).toThrow(/PORT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is kept in memory only with DATA_DIR=:memory:, fresh on each load', () => {
    const cwdBefore = readdirSync(process.cwd());
    const a = loadConfig({ DATA_DIR: ':memory:' });
    const b = loadConfig({ DATA_DIR: ':memory:' });
    expect(a.dataDir).toBe(':memory:');
    expect(a.jwtSecret).not.toBe(b.jwtSecret);
    expect(readdirSync(process.cwd())).toEqual(cwdBefore);
  });
});

describe('loadConfig chat settings', () => {
  it('defaults CHAT_RESUME_GRACE to 30 s and CHAT_HISTORY_TOKENS to 4000', () => {
    const config = loadConfig({ DATA_DIR: ':memory:' });
    expect(config.chatResumeGraceMs).toBe(30_000);
    expect(config.chatHistoryTokens).toBe(4000);
  });

  it('reads CHAT_RESUME_GRACE in seconds, decimals allowed, 0 included', () => {
    expect(loadConfig({ DATA_DIR: ':memory:', CHAT_RESUME_GRACE: '0.25' }).chatResumeGraceMs).toBe(250);
    expect(loadConfig({ DATA_DIR: ':memory:', CHAT_RESUME_GRACE: '0' }).chatResumeGraceMs).toBe(0);
    expect(loadConfig({ DATA_DIR: ':memory:', CHAT_RESUME_GRACE: '120' }).chatResumeGraceMs).toBe(120_000);
  });

  it.each(['-1', 'abc', '1e3', '3601', '0.0001', '30s'])('refuses CHAT_RESUME_GRACE=%j, naming it', (value) => {
    expect(() => loadConfig({ DATA_DIR: ':memory:', CHAT_RESUME_GRACE: value })).toThrow(/CHAT_RESUME_GRACE/);
  });

  it('refuses a CHAT_HISTORY_TOKENS that is not a whole number', () => {
    expect(() => loadConfig({ DATA_DIR: ':memory:', CHAT_HISTORY_TOKENS: 'lots' })).toThrow(/CHAT_HISTORY_TOKENS/);
  });
});
