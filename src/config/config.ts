import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  databaseUrl?: string;
  dataDir: string;
  dbPoolSize: number;
  redisUrl?: string;
  jwtSecret: string;
  /** True when the secret was generated for development and persisted in DATA_DIR. */
  jwtSecretGenerated: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  platformAdminKey?: string;
  tenantBaseDomain: string;
  logLevel: LogLevel;
  migrateOnStart: boolean;
  metricsEnabled: boolean;
  corsOrigins: string[] | true | false;
  bodyLimit: string;
  trustProxy: boolean;
  tenantCacheTtlMs: number;
  shutdownGraceMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: outbound HTTP (webhooks, the http_request action) may reach private addresses and plain http. Development and tests only. */
  allowPrivateDestinations: boolean;
  llmProvider: LlmProviderName;
  /** Base URL of an OpenAI-compatible server (Ollama, vLLM, LM Studio…) or of an Anthropic proxy. */
  llmBaseUrl?: string;
  llmApiKey?: string;
  llmModel: string;
  llmTimeoutMs: number;
  /** Key of the secret box (webhook signing secrets and idempotent responses at rest): ENCRYPTION_KEY, else derived from JWT_SECRET. */
  encryptionKey: Buffer;
  webhooks: WebhookConfig;
  /** CHAT_RESUME_GRACE (seconds, decimals allowed): how long a chat turn goes on after its client disconnected. */
  chatResumeGraceMs: number;
  /** CHAT_HISTORY_TOKENS: the session history a chat turn sends, at most (oldest messages dropped first). */
  chatHistoryTokens: number;
  /** GRADUATION_EXAM_COOLDOWN: seconds a failed exam keeps the agent from sitting another. */
  graduationExamCooldownSeconds: number;
}

export interface WebhookConfig {
  /** WEBHOOK_RETRY_SCHEDULE: seconds to wait before each retry; its length is the number of retries. */
  retryScheduleSeconds: number[];
  /** WEBHOOK_TIMEOUT_MS: the whole attempt (connect, send, response headers and capped body). */
  timeoutMs: number;
  /** WEBHOOK_WORKER=false: this process writes deliveries but does not send them (another process does). */
  workerEnabled: boolean;
  /** WEBHOOK_POLL_INTERVAL_MS: how often an idle worker looks for due deliveries. */
  pollIntervalMs: number;
  /** WEBHOOK_CONCURRENCY: subscriptions served in parallel by one worker. */
  concurrency: number;
}

export const LLM_PROVIDERS = ['local', 'openai', 'anthropic'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/** The model used when LLM_MODEL is not set (an agent's own `model` still overrides it per call). */
export const DEFAULT_LLM_MODELS: Record<LlmProviderName, string> = {
  local: 'local-echo',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

export const APP_CONFIG = Symbol('APP_CONFIG');

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

/** A development secret survives restarts (so tokens stay valid) without anyone having to set one. */
function developmentJwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    // A truncated or hand-edited file must not become a weak signing key: replace it (old tokens end).
    if (kept.length >= 32) return kept;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  // DATA_DIR=:memory: keeps the embedded database in memory (tests, throw-away demos).
  const dataDir = env.DATA_DIR === ':memory:' ? ':memory:' : resolve(env.DATA_DIR || './data');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);

  const platformAdminKey = env.PLATFORM_ADMIN_KEY || undefined;
  if (platformAdminKey && platformAdminKey.length < 16) {
    throw new ConfigError('PLATFORM_ADMIN_KEY', 'must be at least 16 characters');
  }

  const tenantBaseDomain = (env.TENANT_BASE_DOMAIN || 'localhost').toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(tenantBaseDomain)) {
    throw new ConfigError('TENANT_BASE_DOMAIN', `is not a valid domain name: "${tenantBaseDomain}"`);
  }

  const cors = env.CORS_ORIGINS;
  const corsOrigins: AppConfig['corsOrigins'] =
    cors === undefined || cors === '' ? false : cors === '*' ? true : cors.split(',').map((o) => o.trim());

  const bodyLimit = env.BODY_LIMIT || '1mb';
  if (!/^\d+(b|kb|mb)$/i.test(bodyLimit)) throw new ConfigError('BODY_LIMIT', `must look like 100kb or 1mb, got "${bodyLimit}"`);

  const port = int(env, 'PORT', 3000, 0, 65535);
  const dbPoolSize = int(env, 'DB_POOL_SIZE', 10, 1, 200);
  const accessTokenTtlSeconds = int(env, 'JWT_ACCESS_TTL', 900, 30, 86400);
  const refreshTokenTtlSeconds = int(env, 'JWT_REFRESH_TTL', 30 * 86400, 60, 365 * 86400);
  const logLevel = oneOf(env, 'LOG_LEVEL', ['error', 'warn', 'log', 'debug', 'verbose'] as const, 'log');
  const migrateOnStart = bool(env, 'MIGRATE_ON_START', true);
  const metricsEnabled = bool(env, 'METRICS_ENABLED', false);
  const trustProxy = bool(env, 'TRUST_PROXY', false);
  const tenantCacheTtlMs = int(env, 'TENANT_CACHE_TTL_MS', 5000, 0, 600000);
  const shutdownGraceMs = int(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000);
  const allowPrivateDestinations = bool(env, 'WEBHOOK_ALLOW_PRIVATE', false);

  const llmProvider = oneOf(env, 'LLM_PROVIDER', LLM_PROVIDERS, 'local');
  const llmBaseUrl = url(env, 'LLM_BASE_URL', ['http:', 'https:']);
  const llmApiKey = env.LLM_API_KEY || undefined;
  // A self-hosted OpenAI-compatible server (LLM_BASE_URL) usually needs no key; the vendors' APIs do.
  if (!llmApiKey && llmProvider === 'anthropic') throw new ConfigError('LLM_API_KEY', 'is required when LLM_PROVIDER=anthropic');
  if (!llmApiKey && llmProvider === 'openai' && !llmBaseUrl) {
    throw new ConfigError('LLM_API_KEY', 'is required when LLM_PROVIDER=openai and LLM_BASE_URL is not set');
  }
  const llmModel = (env.LLM_MODEL ?? '').trim() || DEFAULT_LLM_MODELS[llmProvider];
  const llmTimeoutMs = int(env, 'LLM_TIMEOUT_MS', 60000, 100, 3600000);
  const chatResumeGraceMs = seconds(env, 'CHAT_RESUME_GRACE', 30, 3600);
  const chatHistoryTokens = int(env, 'CHAT_HISTORY_TOKENS', 4000, 0, 1_000_000);
  const graduationExamCooldownSeconds = int(env, 'GRADUATION_EXAM_COOLDOWN', 6 * 3600, 0, 30 * 86400);
  const webhooks: WebhookConfig = {
    retryScheduleSeconds: retrySchedule(env, 'WEBHOOK_RETRY_SCHEDULE', [5, 30, 120, 600, 3600, 21600]),
    timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 15000, 100, 120000),
    workerEnabled: bool(env, 'WEBHOOK_WORKER', true),
    pollIntervalMs: int(env, 'WEBHOOK_POLL_INTERVAL_MS', 1000, 10, 60000),
    concurrency: int(env, 'WEBHOOK_CONCURRENCY', 8, 1, 100),
  };

  // Last, so that a configuration refused for another variable leaves no secret file behind.
  let jwtSecret = env.JWT_SECRET ?? '';
  let jwtSecretGenerated = false;
  if (jwtSecret && jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  if (!jwtSecret) {
    if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
    jwtSecret = dataDir === ':memory:' ? randomBytes(48).toString('base64url') : developmentJwtSecret(dataDir);
    jwtSecretGenerated = true;
  }
  const encryptionKey = encryptionKeyFrom(env, jwtSecret);

  return {
    nodeEnv,
    port,
    databaseUrl,
    dataDir,
    dbPoolSize,
    redisUrl,
    jwtSecret,
    jwtSecretGenerated,
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    platformAdminKey,
    tenantBaseDomain,
    logLevel,
    migrateOnStart,
    metricsEnabled,
    corsOrigins,
    bodyLimit,
    trustProxy,
    tenantCacheTtlMs,
    shutdownGraceMs,
    allowPrivateDestinations,
    llmProvider,
    llmBaseUrl,
    llmApiKey,
    llmModel,
    llmTimeoutMs,
    encryptionKey,
    webhooks,
    chatResumeGraceMs,
    chatHistoryTokens,
    graduationExamCooldownSeconds,
  };
}

/** Seconds, decimals allowed (`0.25`), 0..max; returned in milliseconds. */
function seconds(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  if (!/^\d{1,7}(\.\d{1,3})?$/.test(raw) || Number(raw) > max) {
    throw new ConfigError(name, `must be a number of seconds between 0 and ${max} (e.g. 30 or 0.5), got "${raw.slice(0, 100)}"`);
  }
  return Math.round(Number(raw) * 1000);
}

/** Comma-separated whole seconds, each 0..86400, at most 20 of them; empty means no retries. */
function retrySchedule(env: Env, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return [];
  const values = raw.split(',').map((part) => part.trim());
  if (values.length > 20 || values.some((value) => !/^\d{1,5}$/.test(value) || Number(value) > 86400)) {
    throw new ConfigError(name, `must be up to 20 comma-separated whole seconds (0-86400), got "${raw.slice(0, 100)}"`);
  }
  return values.map(Number);
}

/**
 * ENCRYPTION_KEY (32 bytes as 64 hex characters or base64) when set; otherwise derived from JWT_SECRET
 * with HKDF, so a development setup needs nothing more. Set it in production so that rotating
 * JWT_SECRET does not make the stored webhook secrets (and the idempotent responses of the last 24 h) unreadable.
 */
function encryptionKeyFrom(env: Env, jwtSecret: string): Buffer {
  const raw = env.ENCRYPTION_KEY;
  if (!raw) return Buffer.from(hkdfSync('sha256', jwtSecret, 'atom', 'atom:secret-box:v1', 32));
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('ENCRYPTION_KEY', 'must be 32 bytes: 64 hex characters or base64');
  return key;
}
