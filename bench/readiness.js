'use strict';

// `npm run bench` (part of it) or `npm run bench:readiness`: GET /api/graduation/agents/{id}/readiness
// for an agent with BENCH_EPISODES episodes (default 100,000), beside other agents' episodes. The
// issue's target: p99 under 50 ms, because readiness reads a bounded window with an index, never the
// whole history. Fresh PostgreSQL database, dropped at the end. See bench/README.md.
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { loadSettings } = require('./lib/settings');
const { createBenchDatabase, withClient } = require('./lib/database');
const { startServer, stopAllServers } = require('./lib/children');
const { AtomApi, requestJson, expectStatus } = require('./lib/atom-api');
const { provisionTenant } = require('./lib/tenants');
const { loadGet, problemsOf } = require('./lib/load');
const { writeJson, round } = require('./lib/report');

const RESULTS_FILE = join(__dirname, 'results', 'readiness-latest.json');
const SECRETS = { jwtSecret: randomBytes(30).toString('hex'), platformKey: 'bench-platform-key-123456' };
const TARGET_P99_MS = 50;
// Latency, not saturation: a handful of concurrent callers, as a dashboard would be.
const CONNECTIONS = 10;

function episodeCount(env = process.env) {
  const raw = env.BENCH_EPISODES || '100000';
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`BENCH_EPISODES must be a positive integer, got "${raw}"`);
  return Number(raw);
}

/** `count` episodes for the agent, spread over a year, mixed outcomes, interventions and feedback (one statement). */
async function insertEpisodes(client, schema, agentId, count) {
  await client.query(
    `INSERT INTO "${schema}".episodes (id, agent_id, task, output, outcome, status, maturity_at_time, human_intervention_count,
                                        governance_violations, compliance_score, aggregate_feedback_score, started_at, completed_at, duration_ms)
     SELECT gen_random_uuid(), $1, 'Task ' || i, 'Answer ' || i,
            (ARRAY['success', 'success', 'success', 'failure', 'partial'])[1 + i % 5], 'success', 'student',
            CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END, CASE WHEN i % 11 = 0 THEN 1 ELSE 0 END,
            CASE WHEN i % 11 = 0 THEN 0.6 ELSE 1 END, CASE WHEN i % 3 = 0 THEN ((i % 5) - 2) / 2.0 ELSE NULL END,
            now() - (i || ' minutes')::interval - interval '1 second', now() - (i || ' minutes')::interval, 1000
       FROM generate_series(1, $2) AS i`,
    [agentId, count],
  );
}

async function createAgent(server, token, name) {
  const body = await expectStatus(
    requestJson(server.url, 'POST', '/api/agents', { headers: { authorization: `Bearer ${token}` }, body: { name, role: 'Benchmark' } }),
    201,
    `create agent ${name}`,
  );
  return body.data.id;
}

async function main() {
  const settings = loadSettings();
  const episodes = episodeCount();
  const db = await createBenchDatabase(settings.adminUrl);
  const problems = [];
  try {
    const server = await startServer(join(__dirname, 'atom-server.js'), 'atom', { databaseUrl: db.url, poolSize: settings.poolSize, ...SECRETS });
    try {
      const tenant = await provisionTenant(new AtomApi(server.url, SECRETS.platformKey), 1, { login: true });
      const agentId = await createAgent(server, tenant.token, 'Veteran');
      const otherId = await createAgent(server, tenant.token, 'Neighbour');
      const startedAt = Date.now();
      await withClient(db.url, async (client) => {
        await insertEpisodes(client, tenant.schema, agentId, episodes);
        // Someone else's history in the same table: the window must not read it either.
        await insertEpisodes(client, tenant.schema, otherId, Math.ceil(episodes / 2));
        await client.query(`ANALYZE "${tenant.schema}".episodes`);
      });
      console.log(`- ${episodes} + ${Math.ceil(episodes / 2)} episodes inserted in ${round((Date.now() - startedAt) / 1000, 1)} s`);

      const path = `/api/graduation/agents/${agentId}/readiness`;
      const first = await expectStatus(requestJson(server.url, 'GET', path, { headers: { authorization: `Bearer ${tenant.token}` } }), 200, 'readiness');
      const options = { path, token: tenant.token, connections: CONNECTIONS };
      console.log(`- GET ${path}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s, ${CONNECTIONS} connections`);
      await loadGet(server.url, { ...options, durationSeconds: settings.warmupSeconds, title: 'readiness (warm-up)' });
      await sleep(500);
      const load = await loadGet(server.url, { ...options, durationSeconds: settings.durationSeconds, title: 'readiness' });
      problems.push(...problemsOf(load));
      const plan = await withClient(db.url, async (client) => {
        const { rows } = await client.query(
          `EXPLAIN (ANALYZE, FORMAT JSON) SELECT human_intervention_count, outcome, compliance_score, aggregate_feedback_score
             FROM "${tenant.schema}".episodes WHERE agent_id = $1 AND outcome IN ('success', 'failure', 'partial')
            ORDER BY completed_at DESC LIMIT 30`,
          [agentId],
        );
        const [{ Plan: top, 'Execution Time': executionMs }] = rows[0]['QUERY PLAN'];
        return { executionMs: round(executionMs, 2), nodes: `${top['Node Type']} > ${top.Plans?.[0]?.['Node Type']} (${top.Plans?.[0]?.['Index Name'] ?? 'no index'})` };
      });
      const report = {
        generatedAt: new Date().toISOString(),
        episodes,
        connections: CONNECTIONS,
        durationSeconds: settings.durationSeconds,
        sample: first.data,
        load,
        windowPlan: plan,
        target: { p99Ms: TARGET_P99_MS, met: load.latencyMs.p99 < TARGET_P99_MS },
        problems,
      };
      writeJson(RESULTS_FILE, report);
      console.log('\nReadiness');
      console.log(`  ${round(load.requestsPerSecond)} req/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms ` +
        `(target p99 < ${TARGET_P99_MS} ms: ${report.target.met ? 'met' : 'NOT met'})`);
      console.log(`  window query: ${plan.nodes}, ${plan.executionMs} ms`);
      if (problems.length) console.log(`  PROBLEMS: ${problems.join('; ')}`);
      console.log(`  report: ${RESULTS_FILE}`);
      process.exitCode = problems.length ? 1 : 0;
    } finally {
      await server.stop();
    }
  } finally {
    await stopAllServers();
    await db.drop();
  }
}

main().catch(async (error) => {
  console.error(error);
  await stopAllServers();
  process.exit(1);
});
