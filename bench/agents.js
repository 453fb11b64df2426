'use strict';

// `npm run bench` (after run.js) or `npm run bench:agents`: the agent list of one tenant holding
// BENCH_AGENTS agents, `GET /api/agents?limit=20&sort=created_at` with and without `q=`, through the
// built app and through a bare node:http + pg server running the same SQL, with 1 and with
// BENCH_TENANTS tenant schemas, on a fresh PostgreSQL database (dropped at the end). See bench/README.md.
const os = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { loadAgentSettings } = require('./lib/settings');
const { createBenchDatabase, serverVersion, countSchemas, withClient } = require('./lib/database');
const { ConnectionSampler } = require('./lib/connection-sampler');
const { startServer, stopAllServers } = require('./lib/children');
const { AtomApi, requestJson, expectStatus } = require('./lib/atom-api');
const { provisionTenant, provisionRange } = require('./lib/tenants');
const { loadGet, problemsOf } = require('./lib/load');
const { measureCpu, machineBusyPercent } = require('./lib/cpu');
const { writeJson, round } = require('./lib/report');
const { insertAgents } = require('./lib/agents-data');
const { listStatements } = require('./lib/agents-sql');
const { evaluateAgents, formatAgentsSummary } = require('./lib/agents-report');

const RESULTS_FILE = join(__dirname, 'results', 'agents-latest.json');
const SECRETS = { jwtSecret: randomBytes(30).toString('hex'), platformKey: 'bench-platform-key-123456' };
const LIMIT = 20;

function seconds(since) {
  return round(Number(process.hrtime.bigint() - since) / 1e9, 1);
}

function paths(settings) {
  const list = `/api/agents?limit=${LIMIT}&sort=created_at`;
  return { list, search: `${list}&q=${encodeURIComponent(settings.q)}` };
}

async function startAtom(settings, db) {
  const server = await startServer(join(__dirname, 'atom-server.js'), 'atom', { databaseUrl: db.url, poolSize: settings.poolSize, ...SECRETS });
  return { server, api: new AtomApi(server.url, SECRETS.platformKey) };
}

async function getPage(server, path, token) {
  return expectStatus(requestJson(server.url, 'GET', path, { headers: { authorization: `Bearer ${token}` } }), 200, `${server.label} GET ${path}`);
}

/**
 * Both servers must answer with the same page (same agents, same order, same total), or the
 * comparison means nothing. `expected` is what Atom answered right after the data was inserted.
 */
async function checkSamePages(server, token, expected, settings) {
  for (const [query, path] of Object.entries(paths(settings))) {
    const body = await getPage(server, path, token);
    const ids = body.data.map((agent) => agent.id).join(',');
    if (ids !== expected[query].ids || body.pagination.total !== expected[query].total) {
      throw new Error(`${server.label} answers ${path} differently: total ${body.pagination.total} (expected ${expected[query].total})`);
    }
  }
}

/** Warm-up (discarded), then the measured run with connection sampling and CPU accounting. */
async function measure(ctx, server, title, path, token) {
  const { settings, sampler, problems } = ctx;
  const options = { path, token, connections: settings.connections };
  console.log(`- ${title}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s`);
  await loadGet(server.url, { ...options, durationSeconds: settings.warmupSeconds, title: `${title} (warm-up)` });
  await sleep(500);
  const { result: measured, cpu } = await measureCpu(server.pid, () =>
    sampler.during(() => loadGet(server.url, { ...options, durationSeconds: settings.durationSeconds, title })),
  );
  const run = { load: measured.result, connections: measured.connections, cpu };
  problems.push(...problemsOf(run.load).map((problem) => `${title}: ${problem}`));
  console.log(`  ${round(run.load.requestsPerSecond)} req/s, p99 ${run.load.latencyMs.p99} ms, PG connections max ${run.connections.max}`);
  return run;
}

/** One server at a time (the machine has few cores): the direct SQL first, then a fresh Atom process. */
async function measurePhase(ctx, tenant, expected) {
  const { settings, db } = ctx;
  const label = `${ctx.tenantCount} tenant${ctx.tenantCount === 1 ? '' : 's'}`;
  const runs = { list: {}, search: {} };
  const config = { databaseUrl: db.url, schema: tenant.schema, poolSize: settings.poolSize };
  const direct = await startServer(join(__dirname, 'agents-baseline-server.js'), 'direct SQL', config);
  try {
    await checkSamePages(direct, tenant.token, expected, settings);
    for (const [query, path] of Object.entries(paths(settings))) runs[query].direct = await measure(ctx, direct, `${label}, ${query}, direct SQL`, path, tenant.token);
  } finally {
    await direct.stop();
  }
  const atom = await startAtom(settings, db);
  try {
    await checkSamePages(atom.server, tenant.token, expected, settings);
    for (const [query, path] of Object.entries(paths(settings))) runs[query].atom = await measure(ctx, atom.server, `${label}, ${query}, atom`, path, tenant.token);
  } finally {
    await atom.server.stop();
  }
  return { tenants: ctx.tenantCount, runs };
}

/** The measured tenant, through the API, then its agents by SQL; what Atom answers becomes the reference. */
async function seedMeasuredTenant(ctx) {
  const { settings, db } = ctx;
  const atom = await startAtom(settings, db);
  try {
    const tenant = await provisionTenant(atom.api, 1, { login: true });
    const startedAt = process.hrtime.bigint();
    await withClient(db.url, (client) => insertAgents(client, tenant.schema, settings.agents, { seed: 1, settle: true }));
    console.log(`- ${settings.agents} agents inserted into ${tenant.schema} in ${seconds(startedAt)} s`);
    const expected = {};
    for (const [query, path] of Object.entries(paths(settings))) {
      const body = await getPage(atom.server, path, tenant.token);
      expected[query] = { ids: body.data.map((agent) => agent.id).join(','), total: body.pagination.total };
    }
    if (expected.list.total !== settings.agents) throw new Error(`the list reports ${expected.list.total} agents, expected ${settings.agents}`);
    if (expected.search.total === 0) throw new Error(`q=${settings.q} matches no agent: choose another BENCH_AGENTS_Q`);
    return { tenant, expected };
  } finally {
    await atom.server.stop();
  }
}

/**
 * The plans PostgreSQL picks for the four statements with this data (EXPLAIN ANALYZE, JSON): the
 * report shows whether the list walks an index and the search uses the trigram indexes.
 */
async function explainPlans(db, schema, q) {
  const plans = {};
  await withClient(db.url, async (client) => {
    for (const [name, search] of [['list', undefined], ['search', q]]) {
      const statements = listStatements(schema, { limit: LIMIT, q: search });
      for (const part of ['page', 'count']) {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statements[part]}`, statements.params);
        const [{ Plan: plan, 'Execution Time': executionMs }] = rows[0]['QUERY PLAN'];
        plans[`${name} ${part}`] = { executionMs: round(executionMs, 2), outline: outline(plan), plan };
      }
    }
  });
  return plans;
}

/** "Limit > Index Scan Backward (agents_created_at)": the node types down the plan tree. */
function outline(node) {
  const label = `${node['Node Type']}${node['Scan Direction'] === 'Backward' ? ' Backward' : ''}${node['Index Name'] ? ` (${node['Index Name']})` : ''}`;
  const children = node.Plans ?? [];
  if (children.length === 0) return label;
  if (children.length === 1) return `${label} > ${outline(children[0])}`;
  return `${label} > [${children.map(outline).join(' | ')}]`;
}

/** Tenants 2..BENCH_TENANTS through the API, then a handful of agents each by SQL (one statement per tenant). */
async function provisionOthers(ctx) {
  const { settings, db, sampler } = ctx;
  const count = settings.tenants - 1;
  console.log(`- provisioning ${count} more tenants, ${settings.provisionConcurrency} at a time`);
  const atom = await startAtom(settings, db);
  let tenants;
  const startedAt = process.hrtime.bigint();
  let connections;
  try {
    ({ result: tenants, connections } = await sampler.during(() =>
      provisionRange(atom.api, 2, settings.tenants, { concurrency: settings.provisionConcurrency, login: false }),
    ));
  } finally {
    await atom.server.stop();
  }
  const took = seconds(startedAt);
  const seedStartedAt = process.hrtime.bigint();
  await withClient(db.url, async (client) => {
    for (const [i, tenant] of tenants.entries()) await insertAgents(client, tenant.schema, settings.agentsPerOtherTenant, { seed: i + 2 });
  });
  const schemas = await countSchemas(db.url);
  if (schemas !== settings.tenants) throw new Error(`expected ${settings.tenants} tenant schemas, found ${schemas}`);
  console.log(`  ${count} tenants in ${took} s, ${settings.agentsPerOtherTenant} agents each in ${seconds(seedStartedAt)} s`);
  return {
    tenants: count,
    seconds: took,
    msPerTenant: round((took * 1000) / Math.max(count, 1), 0),
    concurrency: settings.provisionConcurrency,
    connections,
    agentsEach: settings.agentsPerOtherTenant,
    seedSeconds: seconds(seedStartedAt),
  };
}

async function benchmark(ctx) {
  const { settings, db } = ctx;
  console.log('- starting atom, provisioning the measured tenant');
  const { tenant, expected } = await seedMeasuredTenant(ctx);
  const plans = await explainPlans(db, tenant.schema, settings.q);
  const data = {
    tenant: tenant.slug,
    agents: settings.agents,
    searchMatches: expected.search.total,
    searchMatchPercent: round((expected.search.total / settings.agents) * 100, 1),
  };
  console.log(`  q=${settings.q} matches ${data.searchMatches} agents (${data.searchMatchPercent}%)`);

  ctx.tenantCount = 1;
  const phases = [await measurePhase(ctx, tenant, expected)];
  let provisioning = null;
  if (settings.tenants > 1) {
    provisioning = await provisionOthers(ctx);
    ctx.tenantCount = settings.tenants;
    phases.push(await measurePhase(ctx, tenant, expected));
  }
  return { data, phases, provisioning, plans };
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
  const settings = loadAgentSettings();
  const ctx = { settings, problems: [], db: null, sampler: null, tenantCount: 1 };
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
      routes: paths(settings),
      settings: { ...settings, adminUrl: undefined, spread: undefined },
      environment: env,
      ...outcome,
      summary: evaluateAgents(outcome.phases),
      problems: ctx.problems,
    };
    console.log(formatAgentsSummary(report));
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
