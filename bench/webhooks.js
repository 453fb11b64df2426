'use strict';

// `npm run bench` (last) or `npm run bench:webhooks`: what webhooks cost the request that emits an
// event, and how many deliveries one process sends per second to a local receiver. Fresh PostgreSQL
// database, dropped at the end. See bench/README.md.
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { loadSettings } = require('./lib/settings');
const { createBenchDatabase, withClient } = require('./lib/database');
const { startServer, stopAllServers } = require('./lib/children');
const { AtomApi, requestJson, expectStatus } = require('./lib/atom-api');
const { provisionTenant } = require('./lib/tenants');
const { loadRequest, problemsOf } = require('./lib/load');
const { writeJson, round } = require('./lib/report');

const RESULTS_FILE = join(__dirname, 'results', 'webhooks-latest.json');
const SECRETS = { jwtSecret: randomBytes(30).toString('hex'), platformKey: 'bench-platform-key-123456' };
const DRAIN_TIMEOUT_MS = 300_000;

/** The receiver: counts deliveries and answers 204 at once, in this process (it does nothing else while the worker sends). */
async function startReceiver() {
  const state = { count: 0, firstAt: 0, lastAt: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const now = performance.now();
      if (state.count === 0) state.firstAt = now;
      state.count += 1;
      state.lastAt = now;
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, url: `http://127.0.0.1:${server.address().port}/hook`, close: () => new Promise((resolve) => server.close(resolve)) };
}

function startAtom(settings, db, workerEnabled) {
  const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_WORKER: String(workerEnabled), WEBHOOK_POLL_INTERVAL_MS: '200' };
  return startServer(join(__dirname, 'atom-server.js'), `atom (worker ${workerEnabled ? 'on' : 'off'})`, {
    databaseUrl: db.url,
    poolSize: settings.poolSize,
    ...SECRETS,
    env,
  });
}

function authed(token) {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** PATCH /api/agents/{id} under load, one agent per connection: every request is one agent.updated event. */
async function measureUpdates(server, tenant, agentIds, settings, title) {
  const options = {
    method: 'PATCH',
    paths: agentIds.map((id) => `/api/agents/${id}`),
    body: { description: 'benchmark update' },
    token: tenant.token,
    connections: settings.connections,
  };
  console.log(`- ${title}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s`);
  await loadRequest(server.url, { ...options, durationSeconds: settings.warmupSeconds, title: `${title} (warm-up)` });
  await sleep(500);
  const load = await loadRequest(server.url, { ...options, durationSeconds: settings.durationSeconds, title });
  console.log(`  ${round(load.requestsPerSecond)} req/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms`);
  return load;
}

function mean(a, b) {
  return (a + b) / 2;
}

async function pendingDeliveries(db) {
  return withClient(db.url, async (client) => Number((await client.query('SELECT count(*) AS n FROM public.webhook_queue')).rows[0].n));
}

async function main() {
  const settings = loadSettings();
  const problems = [];
  const db = await createBenchDatabase(settings.adminUrl);
  const receiver = await startReceiver();
  try {
    // 1. Worker off: the emitting request's cost alone (the deliveries pile up in the outbox).
    const writer = await startAtom(settings, db, false);
    let tenant;
    let agentIds;
    let without;
    let withSubscription;
    let withoutAgain;
    try {
      const api = new AtomApi(writer.url, SECRETS.platformKey);
      tenant = await provisionTenant(api, 1, { login: true });
      agentIds = [];
      for (let i = 0; i < settings.connections; i++) {
        const agent = await expectStatus(
          requestJson(writer.url, 'POST', '/api/agents', { ...authed(tenant.token), body: { name: `Bench agent ${i}`, role: 'Benchmark' } }),
          201,
          'create agent',
        );
        agentIds.push(agent.data.id);
      }
      without = await measureUpdates(writer, tenant, agentIds, settings, 'PATCH agent, no subscription');
      await expectStatus(
        requestJson(writer.url, 'POST', '/api/webhooks', { ...authed(tenant.token), body: { url: receiver.url, events: ['agent.updated'] } }),
        201,
        'subscribe',
      );
      withSubscription = await measureUpdates(writer, tenant, agentIds, settings, 'PATCH agent, 1 subscription (outbox insert)');
      // The baseline again (the subscription disabled: nothing is written), to tell drift of the machine from the insert's cost.
      const [subscription] = (await expectStatus(requestJson(writer.url, 'GET', '/api/webhooks', authed(tenant.token)), 200, 'list webhooks')).data;
      await expectStatus(
        requestJson(writer.url, 'PATCH', `/api/webhooks/${subscription.id}`, { ...authed(tenant.token), body: { active: false } }),
        200,
        'disable subscription',
      );
      withoutAgain = await measureUpdates(writer, tenant, agentIds, settings, 'PATCH agent, subscription disabled (baseline again)');
      for (const load of [without, withSubscription, withoutAgain]) problems.push(...problemsOf(load));
    } finally {
      await writer.stop();
    }

    // 2. Worker on, nothing else running: how fast one process empties the outbox. The deliveries of the
    // disabled subscription were failed when it was disabled; re-enable it and put them back in the queue.
    await withClient(db.url, async (client) => {
      await client.query(`UPDATE "${tenant.schema}".webhooks SET active = true, disabled_reason = NULL`);
      await client.query(`UPDATE "${tenant.schema}".webhook_deliveries SET status = 'pending', next_attempt_at = now()`);
      await client.query(
        `INSERT INTO public.webhook_queue (delivery_id, tenant_id) SELECT id, $1 FROM "${tenant.schema}".webhook_deliveries ON CONFLICT DO NOTHING`,
        [tenant.id],
      );
    });
    const backlog = await pendingDeliveries(db);
    console.log(`- delivering the backlog: ${backlog} deliveries, one process, receiver answers 204`);
    const startedAt = performance.now();
    const sender = await startAtom(settings, db, true);
    let drainedMs;
    try {
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (receiver.state.count < backlog && Date.now() < deadline) await sleep(100);
      drainedMs = performance.now() - startedAt;
      if (receiver.state.count < backlog) problems.push(`only ${receiver.state.count} of ${backlog} deliveries arrived within ${DRAIN_TIMEOUT_MS} ms`);
      await sleep(1000);
      const left = await pendingDeliveries(db);
      if (left !== 0) problems.push(`${left} deliveries still queued after the receiver got ${receiver.state.count}`);
    } finally {
      await sender.stop();
    }
    const sendingMs = receiver.state.lastAt - receiver.state.firstAt;
    const report = {
      generatedAt: new Date().toISOString(),
      settings: { durationSeconds: settings.durationSeconds, connections: settings.connections, poolSize: settings.poolSize },
      emit: {
        withoutSubscription: without,
        withSubscription,
        withoutSubscriptionAgain: withoutAgain,
        // Against the mean of the two baselines, which bracket the measured run.
        p50AddedMs: round(withSubscription.latencyMs.p50 - mean(without.latencyMs.p50, withoutAgain.latencyMs.p50), 2),
        p99AddedMs: round(withSubscription.latencyMs.p99 - mean(without.latencyMs.p99, withoutAgain.latencyMs.p99), 2),
        requestsPerSecondRatio: round(withSubscription.requestsPerSecond / mean(without.requestsPerSecond, withoutAgain.requestsPerSecond), 3),
        baselineDriftPercent: round((withoutAgain.requestsPerSecond / without.requestsPerSecond - 1) * 100, 1),
      },
      delivery: {
        deliveries: backlog,
        received: receiver.state.count,
        eventsPerSecond: round((receiver.state.count / Math.max(sendingMs, 1)) * 1000, 1),
        includingStartupSeconds: round(drainedMs / 1000, 1),
      },
      problems,
    };
    await writeJson(RESULTS_FILE, report);
    console.log('\nWebhooks');
    console.log(`  emitting request (PATCH /api/agents/{id}), p50/p99 ms: ${without.latencyMs.p50}/${without.latencyMs.p99} and ` +
      `${withoutAgain.latencyMs.p50}/${withoutAgain.latencyMs.p99} without a delivery to write, ` +
      `${withSubscription.latencyMs.p50}/${withSubscription.latencyMs.p99} with one (added ${report.emit.p50AddedMs}/${report.emit.p99AddedMs} ` +
      `vs their mean); req/s ratio ${report.emit.requestsPerSecondRatio} (the two baselines differ by ${report.emit.baselineDriftPercent}%)`);
    console.log(`  delivery by one process: ${report.delivery.eventsPerSecond} events/s (${receiver.state.count} deliveries; ` +
      `${report.delivery.includingStartupSeconds} s including the process start)`);
    if (problems.length) console.log(`  PROBLEMS: ${problems.join('; ')}`);
    console.log(`  report: ${RESULTS_FILE}`);
    process.exitCode = problems.length ? 1 : 0;
  } finally {
    await receiver.close();
    await stopAllServers();
    await db.drop();
  }
}

main().catch(async (error) => {
  console.error(error);
  await stopAllServers();
  process.exit(1);
});
