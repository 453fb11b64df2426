'use strict';

// `npm run bench`: GET /api/auth/me of the built app under autocannon load, against a bare node:http + pg
// baseline doing the same read as one statement, with 1 and with BENCH_TENANTS tenant schemas, on a
// fresh PostgreSQL database (dropped at the end). See bench/README.md.
const os = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { loadSettings } = require('./lib/settings');
const { createBenchDatabase, serverVersion, countSchemas } = require('./lib/database');
const { ConnectionSampler } = require('./lib/connection-sampler');
const { startServer, stopAllServers } = require('./lib/children');
const { AtomApi, requestJson, expectStatus } = require('./lib/atom-api');
const { provisionTenant, provisionRange, deleteTenants } = require('./lib/tenants');
const { loadMe, problemsOf } = require('./lib/load');
const { measureCpu, machineBusyPercent } = require('./lib/cpu');
const { evaluate, formatSummary, writeJson, round, NEST_CEILING_TITLE, NEST_WITH_QUERY_TITLE } = require('./lib/report');

const RESULTS_FILE = join(__dirname, 'results', 'latest.json');
const SECRETS = { jwtSecret: randomBytes(30).toString('hex'), platformKey: 'bench-platform-key-123456' };

function seconds(since) {
  return round(Number(process.hrtime.bigint() - since) / 1e9, 1);
}

async function startAtom(settings, db) {
  const startedAt = process.hrtime.bigint();
  const server = await startServer(join(__dirname, 'atom-server.js'), 'atom', { databaseUrl: db.url, poolSize: settings.poolSize, ...SECRETS });
  return { server, api: new AtomApi(server.url, SECRETS.platformKey), startupSeconds: seconds(startedAt) };
}

/** Warm-up (discarded), then the measured run with connection sampling and CPU accounting. */
async function measure(ctx, server, title, tokens) {
  const { settings, sampler, problems } = ctx;
  const options = { tokens, connections: settings.connections };
  console.log(`- ${title}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s`);
  await loadMe(server.url, { ...options, durationSeconds: settings.warmupSeconds, title: `${title} (warm-up)` });
  await sleep(500);
  const { result: measured, cpu } = await measureCpu(server.pid, () =>
    sampler.during(() => loadMe(server.url, { ...options, durationSeconds: settings.durationSeconds, title })),
  );
  const run = { load: measured.result, connections: measured.connections, cpu };
  problems.push(...problemsOf(run.load).map((problem) => `${title}: ${problem}`));
  console.log(`  ${round(run.load.requestsPerSecond)} req/s, p99 ${run.load.latencyMs.p99} ms, PG connections max ${run.connections.max}`);
  return run;
}

/** The baseline answers the same user row for the same schema; checked once before it is loaded. */
async function measureBaseline(ctx, tenant, userId, title) {
  const config = { databaseUrl: ctx.db.url, schema: tenant.schema, userId, poolSize: ctx.settings.poolSize };
  const server = await startServer(join(__dirname, 'baseline-server.js'), 'baseline', config);
  try {
    const body = await expectStatus(requestJson(server.url, 'GET', '/api/auth/me'), 200, 'baseline GET /api/auth/me');
    if (body.data.user.id !== userId) throw new Error('the baseline does not read the same user');
    return await measure(ctx, server, title, ['not-checked-by-the-baseline']);
  } finally {
    await server.stop();
  }
}

/**
 * Context for the ratio: the framework alone (constant body), then the framework plus the baseline's
 * one query (no guards, auth, limits or envelope): what any Nest app doing this read could reach here.
 */
async function measureNestCeiling(ctx, config, title) {
  const server = await startServer(join(__dirname, 'nest-ceiling-server.js'), 'nest-ceiling', config);
  try {
    await expectStatus(requestJson(server.url, 'GET', '/api/auth/me'), 200, `${title} GET /api/auth/me`);
    return await measure(ctx, server, title, ['not-checked']);
  } finally {
    await server.stop();
  }
}

async function checkMe(api, tenant) {
  const me = await api.me(tenant.token);
  if (me.tenant.slug !== tenant.slug || !me.user?.id) throw new Error(`unexpected /me answer: ${JSON.stringify(me)}`);
  return me;
}

async function provisionMore(ctx, api) {
  const { settings, sampler } = ctx;
  const count = settings.tenants - 1;
  console.log(`- provisioning ${count} more tenants, ${settings.provisionConcurrency} at a time${settings.spread ? ' (each with a login)' : ''}`);
  const startedAt = process.hrtime.bigint();
  const { result: tenants, connections } = await sampler.during(() =>
    provisionRange(api, 2, settings.tenants, { concurrency: settings.provisionConcurrency, login: settings.spread }),
  );
  const took = seconds(startedAt);
  console.log(`  ${count} tenants in ${took} s`);
  return {
    tenants,
    provisioning: {
      tenants: count,
      seconds: took,
      msPerTenant: round((took * 1000) / Math.max(count, 1), 0),
      concurrency: settings.provisionConcurrency,
      withLogin: settings.spread,
      connections,
    },
  };
}

async function benchmark(ctx) {
  const { settings, db } = ctx;
  const runs = {};
  const startup = {};

  console.log('- starting atom, provisioning the measured tenant');
  let atom = await startAtom(settings, db);
  const first = await provisionTenant(atom.api, 1, { login: true });
  const me = await checkMe(atom.api, first);
  await atom.server.stop();

  runs.baseline = await measureBaseline(ctx, first, me.user.id, 'baseline, 1 tenant');
  runs.nestCeiling = await measureNestCeiling(ctx, {}, NEST_CEILING_TITLE);
  const query = { databaseUrl: db.url, schema: first.schema, userId: me.user.id, poolSize: settings.poolSize };
  runs.nestWithQuery = await measureNestCeiling(ctx, query, NEST_WITH_QUERY_TITLE);

  atom = await startAtom(settings, db);
  startup.oneTenantSeconds = atom.startupSeconds;
  await checkMe(atom.api, first);
  runs.atomOneTenant = await measure(ctx, atom.server, 'atom, 1 tenant', [first.token]);

  const { tenants, provisioning } = await provisionMore(ctx, atom.api);
  await atom.server.stop();

  // A fresh process again, so the two runs differ only by the number of tenant schemas.
  atom = await startAtom(settings, db);
  startup.manyTenantsSeconds = atom.startupSeconds;
  const schemas = await countSchemas(db.url);
  if (schemas !== settings.tenants) throw new Error(`expected ${settings.tenants} tenant schemas, found ${schemas}`);
  await checkMe(atom.api, first);
  runs.atomManyTenants = await measure(ctx, atom.server, `atom, ${settings.tenants} tenants`, [first.token]);
  if (settings.spread) {
    const tokens = [first, ...tenants].map((tenant) => tenant.token);
    runs.atomSpread = await measure(ctx, atom.server, `atom, ${settings.tenants} tenants, load on all`, tokens);
  }
  await atom.server.stop();
  // The baseline again: did PostgreSQL itself (or the machine) change between the 1- and N-tenant runs?
  runs.baselineManyTenants = await measureBaseline(ctx, first, me.user.id, `baseline, ${settings.tenants} tenants`);

  // Drift check: back to 1 tenant (the others deleted) on a fresh process. On a shared VM one run can
  // be 20% off the next for reasons that have nothing to do with tenants; the N-tenant run is compared
  // with the mean of the 1-tenant runs before and after it.
  if (tenants.length > 0) {
    console.log(`- deleting the other ${tenants.length} tenants, then atom with 1 tenant again`);
    atom = await startAtom(settings, db);
    await deleteTenants(atom.api, tenants, { concurrency: settings.provisionConcurrency });
    await atom.server.stop();
    atom = await startAtom(settings, db);
    await checkMe(atom.api, first);
    runs.atomOneTenantAgain = await measure(ctx, atom.server, 'atom, 1 tenant again', [first.token]);
    await atom.server.stop();
  }
  return { runs, provisioning, startup, schemas };
}

async function environment(settings) {
  const busy = await machineBusyPercent(2000);
  if (busy !== null && busy > 20) {
    console.warn(`WARNING: the machine is ${busy}% busy before the benchmark starts: other load will skew the numbers`);
  }
  return {
    machineBusyBeforeStartPercent: busy,
    loadAverage: os.loadavg().map((value) => round(value, 2)),
    node: process.version,
    postgres: await serverVersion(settings.adminUrl),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
  };
}

async function main() {
  const settings = loadSettings();
  const ctx = { settings, problems: [], db: null, sampler: null };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await stopAllServers();
    if (ctx.sampler) await ctx.sampler.close();
    if (ctx.db) {
      await ctx.db.drop().catch((error) => console.error(`could not drop database ${ctx.db.name}: ${error.message}`));
      console.log(`- dropped database ${ctx.db.name}`);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`${signal}: cleaning up`);
      cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const env = await environment(settings);
    ctx.db = await createBenchDatabase(settings.adminUrl);
    console.log(`- database ${ctx.db.name} on PostgreSQL ${env.postgres}; ${env.cpus} CPUs, Node ${env.node}`);
    ctx.sampler = new ConnectionSampler(settings.adminUrl, ctx.db.name);
    await ctx.sampler.open();
    const outcome = await benchmark(ctx);
    const report = {
      generatedAt: new Date().toISOString(),
      route: 'GET /api/auth/me (Bearer JWT)',
      settings: { ...settings, adminUrl: undefined },
      environment: env,
      ...outcome,
      summary: evaluate(outcome.runs, settings),
      problems: ctx.problems,
    };
    console.log(formatSummary(report));
    writeJson(RESULTS_FILE, report);
    console.log(`\nwritten to ${RESULTS_FILE}`);
    if (ctx.problems.length) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exitCode = 1;
});
