'use strict';

const { URL } = require('node:url');

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function positiveInt(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function flag(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function adminUrl(env) {
  const raw = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const parsed = new URL(raw);
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) throw new Error('BENCH_DATABASE_URL must be a postgres:// URL');
  // The benchmark creates and drops databases and floods the server: it only ever talks to this machine.
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) throw new Error(`BENCH_DATABASE_URL must point at 127.0.0.1, got host "${parsed.hostname}"`);
  return raw;
}

/** Everything the benchmark can be told through the environment, validated once. */
function loadSettings(env = process.env) {
  const tenants = positiveInt(env, 'BENCH_TENANTS', 1000);
  return {
    adminUrl: adminUrl(env),
    durationSeconds: positiveInt(env, 'BENCH_DURATION', 10),
    warmupSeconds: positiveInt(env, 'BENCH_WARMUP', 3),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 50),
    tenants,
    provisionConcurrency: positiveInt(env, 'BENCH_PROVISION_CONCURRENCY', 8),
    poolSize: positiveInt(env, 'BENCH_POOL_SIZE', 10),
    // Load spread over every tenant (one token each): needs one login (scrypt) per tenant.
    spread: flag(env, 'BENCH_SPREAD', true) && tenants > 1,
  };
}

/** agents.js: the shared settings plus the agent data set and the search term. */
function loadAgentSettings(env = process.env) {
  const q = env.BENCH_AGENTS_Q || 'invoice';
  if (q.length > 200) throw new Error('BENCH_AGENTS_Q must be at most 200 characters (the API refuses longer)');
  return {
    ...loadSettings(env),
    agents: positiveInt(env, 'BENCH_AGENTS', 10_000),
    agentsPerOtherTenant: positiveInt(env, 'BENCH_AGENTS_PER_TENANT', 5),
    q,
  };
}

module.exports = { loadSettings, loadAgentSettings };
