'use strict';

// `npm run bench:chat`: chat streams (GET /api/chat/stream) on one Atom process against a fake
// streaming provider. Measures the time to first token the server adds to the provider's own, with
// BENCH_CHAT_STREAMS streams open at once, and the memory an open stream costs. See bench/README.md.
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { performance } = require('node:perf_hooks');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { URLSearchParams } = require('node:url');
const { setInterval, clearInterval } = require('node:timers');
const { setTimeout: sleep } = require('node:timers/promises');
const { loadSettings } = require('./lib/settings');
const { createBenchDatabase, analyzeLikeAutovacuum } = require('./lib/database');
const { startServer, stopAllServers } = require('./lib/children');
const { AtomApi, requestJson, expectStatus } = require('./lib/atom-api');
const { provisionTenant } = require('./lib/tenants');
const { writeJson, round } = require('./lib/report');
const { measureCpu, machineBusyPercent } = require('./lib/cpu');
const { percentile, summary, mean } = require('./lib/stats');
const { PRELOAD: TIMELINE_PRELOAD, readTimeline, whereTheTimeWent } = require('./lib/timeline');

const RESULTS_FILE = join(__dirname, 'results', 'chat-latest.json');
const SECRETS = { jwtSecret: randomBytes(30).toString('hex'), platformKey: 'bench-platform-key-123456' };
const TARGET_ADDED_P99_MS = 20;

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function chatSettings() {
  return {
    ...loadSettings(),
    streams: positiveInt('BENCH_CHAT_STREAMS', 200),
    words: positiveInt('BENCH_CHAT_WORDS', 100),
    chunkMs: positiveInt('BENCH_CHAT_CHUNK_MS', 50),
    firstTokenMs: positiveInt('BENCH_CHAT_FIRST_TOKEN_MS', 50),
    steadySeconds: positiveInt('BENCH_CHAT_SECONDS', 60),
    warmupSeconds: positiveInt('BENCH_CHAT_WARMUP_SECONDS', 10),
    // Diagnostic: Atom's own record of each stream (bench/lib/timeline.js), at some cost to the result.
    timeline: process.env.BENCH_CHAT_TIMELINE === '1',
  };
}

const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

/**
 * One stream read with a bare http client (the load generator must stay light): resolves the time to
 * the first delta and to the end, measured from just before the request is sent (`startedAt`, epoch ms).
 */
function openStream(baseUrl, token, agentId, tag, { onOpen, onFirstDelta }) {
  return new Promise((resolve, reject) => {
    const path = `/api/chat/stream?${new URLSearchParams({ agent_id: agentId, message: `Tell me about it [bench:${tag}]` })}`;
    const startedAt = performance.now();
    let firstDeltaMs;
    let buffer = '';
    const req = http.get(`${baseUrl}${path}`, { agent: streamAgent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`stream ${tag}: HTTP ${res.statusCode}`));
      }
      onOpen();
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (firstDeltaMs === undefined) {
          buffer += chunk;
          if (buffer.includes('event: delta')) {
            firstDeltaMs = performance.now() - startedAt;
            buffer = '';
            onFirstDelta();
          }
        } else if (chunk.includes('event: error')) reject(new Error(`stream ${tag}: ${chunk}`));
      });
      res.on('end', () => resolve({ tag, startedAt: performance.timeOrigin + startedAt, firstDeltaMs, totalMs: performance.now() - startedAt }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * The time Atom added to one stream, and its two parts: before the provider got the request (the
 * request, auth, the statements before the model, the call) and after its first chunk left (reading it
 * and writing the first delta). Both clocks are epoch ms on the same machine.
 */
function addedParts(result, own) {
  const added = result.firstDeltaMs - own.ttftMs;
  const before = own.receivedAt - result.startedAt;
  return { added, before, after: added - before };
}

/** The parts over all streams, and on average over the slowest 1% (what sets the p99). */
function splitOfAdded(timed) {
  const slowest = [...timed].sort((a, b) => b.added - a.added).slice(0, Math.max(1, Math.ceil(timed.length / 100)));
  return {
    beforeProviderMs: summary(timed.map((t) => t.before)),
    afterProviderMs: summary(timed.map((t) => t.after)),
    slowestPercent: { n: slowest.length, beforeProviderMeanMs: mean(slowest.map((t) => t.before)), afterProviderMeanMs: mean(slowest.map((t) => t.after)) },
  };
}

/** The p99 of *added* per minute of the phase (by start time): does it drift as the process runs? */
function byMinute(timed) {
  if (timed.length === 0) return [];
  const first = Math.min(...timed.map((t) => t.startedAt));
  const minutes = [];
  for (const t of timed) (minutes[Math.floor((t.startedAt - first) / 60_000)] ??= []).push(t.added);
  return minutes.map((added) => round(percentile(added ?? [], 99), 2));
}

/** The collections between two gc-pauses answers of a child: count, total and p50/max pause per kind. */
function gcDuring(before, after) {
  const kind = (name) => {
    const pauses = after[name].slice(before[name].length);
    return { count: pauses.length, totalMs: round(pauses.reduce((a, b) => a + b, 0), 1), p50Ms: round(percentile(pauses, 50), 2), maxMs: round(pauses.length ? Math.max(...pauses) : null, 2) };
  };
  return { major: kind('major'), minor: kind('minor') };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/**
 * Streams started at a steady rate so that about `streams` are open at once (each lasts about
 * words x chunkMs), for `seconds`; or all `streams` at once when `burst`. `whenAllStreaming` (burst
 * only) runs once every stream has had its first delta, while all are still open; its result is
 * returned as `atAllStreaming` (null when a stream failed first).
 */
async function runPhase(atom, token, agentId, settings, { label, burst, seconds, whenAllStreaming }) {
  let open = 0;
  let maxOpen = 0;
  let streaming = 0;
  let allStreaming;
  const allStreamingReached = new Promise((resolve) => (allStreaming = resolve));
  const results = [];
  const pending = [];
  let counter = 0;
  const launch = () => {
    const tag = `${label}-${counter++}`;
    const openedAtCount = open;
    const onOpen = () => {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
    };
    const onFirstDelta = () => {
      streaming += 1;
      if (burst && streaming === settings.streams) allStreaming();
    };
    const promise = openStream(atom.url, token, agentId, tag, { onOpen, onFirstDelta }).then(
      (result) => {
        open -= 1;
        results.push({ ...result, openWhenStarted: openedAtCount });
      },
      (error) => {
        open -= 1;
        results.push({ tag, error: error.message });
      },
    );
    pending.push(promise);
  };
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(atom.pid))), 200);
  if (burst) {
    for (let i = 0; i < settings.streams; i++) launch();
  } else {
    const streamSeconds = (settings.firstTokenMs + settings.words * settings.chunkMs) / 1000;
    const perSecond = settings.streams / streamSeconds;
    const total = Math.round(perSecond * seconds);
    const started = performance.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      launch();
    }
  }
  const everyStreamDone = Promise.all(pending);
  const atAllStreaming = whenAllStreaming ? await Promise.race([allStreamingReached.then(whenAllStreaming), everyStreamDone.then(() => null)]) : null;
  await everyStreamDone;
  clearInterval(sampler);
  return { results, maxOpen, peakRss, atAllStreaming };
}

function printTimeline(timeline) {
  if (!timeline) return console.log('  timeline: no stream could be matched with the Atom process\'s records');
  const part = (name) => `${timeline.parts[name].p50}/${timeline.parts[name].p99} (${timeline.parts[name].slowestPercentMeanMs})`;
  console.log(`  where the added time went, steady (BENCH_CHAT_TIMELINE: a diagnostic run, slower than a plain one; ms p50/p99 (mean over the slowest 1%)), ${timeline.streams} streams:`);
  console.log(`    reaching Atom ${part('toAtom')}, in Atom before the provider ${part('atomBefore')}, reaching the provider ${part('toProvider')},`);
  console.log(`    first chunk reaching Atom ${part('chunkToAtom')}, in Atom after it ${part('atomAfter')}, reaching the client ${part('toClient')}; inside Atom's code ${part('atomOwn')}`);
  for (const statement of timeline.statements) {
    const { durationMs: took, waitBeforeMs: waited } = statement;
    console.log(`    statement "${statement.sql}…" (${statement.n}): ${took.p50}/${took.p99} (${took.slowestPercentMeanMs}), waited before it ${waited.p50}/${waited.p99}`);
  }
}

async function main() {
  const settings = chatSettings();
  const busy = await machineBusyPercent(1000);
  if (busy !== null && busy > 20) console.log(`! the machine is already ${busy}% busy before the benchmark: results will be skewed`);
  const db = await createBenchDatabase(settings.adminUrl);
  try {
    const fake = await startServer(join(__dirname, 'fake-llm-server.js'), 'fake LLM', {
      firstTokenMs: settings.firstTokenMs,
      chunkMs: settings.chunkMs,
      words: settings.words,
    });
    const timelineFile = settings.timeline ? join(tmpdir(), `atom-chat-timeline-${process.pid}.json`) : null;
    if (timelineFile) process.env.BENCH_TIMELINE_FILE = timelineFile;
    const atom = await startServer(join(__dirname, 'atom-server.js'), 'atom', {
      databaseUrl: db.url,
      poolSize: settings.poolSize,
      ...SECRETS,
      env: { LLM_PROVIDER: 'openai', LLM_BASE_URL: `${fake.url}/v1`, LLM_MODEL: 'bench-model', CHAT_RESUME_GRACE: '30' },
    }, { nodeArgs: ['--expose-gc', ...(timelineFile ? ['--require', TIMELINE_PRELOAD] : [])] });
    const api = new AtomApi(atom.url, SECRETS.platformKey);
    const tenant = await provisionTenant(api, 1, { login: true });
    const headers = { authorization: `Bearer ${tenant.token}` };
    const agent = await expectStatus(requestJson(atom.url, 'POST', '/api/agents', { headers, body: { name: 'Bench chat', role: 'Benchmark' } }), 201, 'create agent');
    const agentId = agent.data.id;

    // The warm-up runs at the steady rate: it warms the code, the pools and the connections, and leaves
    // the agent with a history (some 400 turns and episodes), as an agent in use has. Then the planner
    // statistics autovacuum would keep (this machine's server runs without it: see analyzeLikeAutovacuum).
    console.log(`- warm-up: ${settings.warmupSeconds} s at the steady rate`);
    await runPhase(atom, tenant.token, agentId, settings, { label: 'warm', seconds: settings.warmupSeconds });
    await sleep(1000);
    const analyzed = await analyzeLikeAutovacuum(db.url);
    if (analyzed.length > 0) console.log(`  autovacuum is off on this server: analyzed ${analyzed.join(', ')} as it would have`);
    const idleRss = rssMb(atom.pid);

    const streamSeconds = (settings.firstTokenMs + settings.words * settings.chunkMs) / 1000;
    console.log(`- steady: about ${settings.streams} streams open at once (${round(settings.streams / streamSeconds, 1)} new/s, ${streamSeconds} s each) for ${settings.steadySeconds} s`);
    const gcBefore = await atom.ask('gc-pauses');
    const steadyRun = await measureCpu(atom.pid, () => runPhase(atom, tenant.token, agentId, settings, { label: 'steady', seconds: settings.steadySeconds }));
    const steady = { ...steadyRun.result, cpu: steadyRun.cpu, gc: gcDuring(gcBefore, await atom.ask('gc-pauses')) };
    await sleep(1000);
    console.log(`- burst: ${settings.streams} streams started at the same moment`);
    const burstRun = await measureCpu(atom.pid, () => runPhase(atom, tenant.token, agentId, settings, { label: 'burst', burst: true }));
    const burst = { ...burstRun.result, cpu: burstRun.cpu };

    // Last, untimed (a forced full collection changes when V8 collects next): the live heap with no
    // stream open, then with `streams` open, each read after a full collection.
    await sleep(1000);
    console.log(`- memory: the live heap with none and with ${settings.streams} streams open`);
    const heapAtRest = await atom.ask('live-heap');
    const memoryRun = await runPhase(atom, tenant.token, agentId, settings, { label: 'memory', burst: true, whenAllStreaming: () => atom.ask('live-heap') });
    const heapWithOpen = memoryRun.atAllStreaming;

    const own = (await requestJson(fake.url, 'GET', '/stats')).body;
    // The streams a phase is judged on: in the steady phase only those that started with the target number already open.
    const measuredOf = (phase, { onlyFull }) => {
      const ok = phase.results.filter((r) => !r.error && r.firstDeltaMs !== undefined);
      return onlyFull ? ok.filter((r) => r.openWhenStarted >= settings.streams * 0.9) : ok;
    };
    // Those the fake provider timed, with its records: epoch ms on the machine clock, and the added time's parts.
    const timedOf = (measured) =>
      measured.filter((r) => own[r.tag] !== undefined).map((r) => ({
        tag: r.tag,
        startedAt: r.startedAt,
        firstDeltaAt: r.startedAt + r.firstDeltaMs,
        receivedAt: own[r.tag].receivedAt,
        providerFirstChunkAt: own[r.tag].receivedAt + own[r.tag].ttftMs,
        ownMs: own[r.tag].ttftMs,
        ...addedParts(r, own[r.tag]),
      }));
    const analyse = (phase, options) => {
      const measured = measuredOf(phase, options);
      const timed = timedOf(measured);
      const added = timed.map((t) => t.added);
      return {
        streams: phase.results.length,
        errors: phase.results.filter((r) => r.error).length,
        maxOpen: phase.maxOpen,
        measured: added.length,
        clientTtftMs: summary(measured.map((r) => r.firstDeltaMs)),
        providerOwnTtftMs: summary(timed.map((t) => t.ownMs)),
        addedMs: summary(added),
        addedParts: splitOfAdded(timed),
        addedP99ByMinute: byMinute(timed),
        peakRssMb: round(phase.peakRss, 1),
        cpu: phase.cpu,
        firstError: phase.results.find((r) => r.error)?.error,
        ...(phase.gc ? { gc: phase.gc } : {}),
      };
    };
    const steadyReport = analyse(steady, { onlyFull: true });
    const burstReport = analyse(burst, { onlyFull: false });
    const memoryPerStreamKb = round(((Math.max(steady.peakRss, burst.peakRss) - idleRss) * 1024) / Math.max(steady.maxOpen, burst.maxOpen), 1);
    const live = (heap) => heap.heapUsedMb + heap.externalMb;
    const livePerOpenStreamKb = heapWithOpen ? round(((live(heapWithOpen) - live(heapAtRest)) * 1024) / settings.streams, 1) : null;
    const memoryErrors = memoryRun.results.filter((r) => r.error).length;
    const report = {
      generatedAt: new Date().toISOString(),
      settings: {
        streams: settings.streams,
        words: settings.words,
        chunkMs: settings.chunkMs,
        providerFirstTokenMs: settings.firstTokenMs,
        steadySeconds: settings.steadySeconds,
        warmupSeconds: settings.warmupSeconds,
        analyzedAfterWarmup: analyzed,
        poolSize: settings.poolSize,
      },
      steady: steadyReport,
      burst: burstReport,
      machineBusyBeforePercent: busy,
      memory: {
        idleRssMb: round(idleRss, 1),
        memoryPerOpenStreamKb: memoryPerStreamKb,
        liveHeapAtRestMb: round(live(heapAtRest), 1),
        liveHeapPerOpenStreamKb: livePerOpenStreamKb,
      },
      target: { addedP99Ms: TARGET_ADDED_P99_MS, steadyMet: steadyReport.addedMs.p99 !== null && steadyReport.addedMs.p99 < TARGET_ADDED_P99_MS },
    };
    await writeJson(RESULTS_FILE, report);
    console.log('\nChat streams');
    for (const [name, r] of [['steady', steadyReport], ['burst', burstReport]]) {
      console.log(
        `  ${name}: ${r.streams} streams (max ${r.maxOpen} open, ${r.errors} errors), measured ${r.measured}; ` +
          `time to first token at the client p50/p99 ${r.clientTtftMs.p50}/${r.clientTtftMs.p99} ms, provider's own ${r.providerOwnTtftMs.p50}/${r.providerOwnTtftMs.p99} ms, ` +
          `added by Atom p50/p90/p99 ${r.addedMs.p50}/${r.addedMs.p90}/${r.addedMs.p99} ms ` +
          `(before the provider p50/p99 ${r.addedParts.beforeProviderMs.p50}/${r.addedParts.beforeProviderMs.p99}, after it ${r.addedParts.afterProviderMs.p50}/${r.addedParts.afterProviderMs.p99}; ` +
          `slowest 1% on average ${r.addedParts.slowestPercent.beforeProviderMeanMs} + ${r.addedParts.slowestPercent.afterProviderMeanMs}); ` +
          `CPU: Atom ${r.cpu.serverPercentOfOneCore}% of one core, machine ${r.cpu.machinePercent}% of ${r.cpu.cores} cores (steal ${r.cpu.stealPercent ?? '?'}%)`,
      );
    }
    console.log(`  memory: idle RSS ${report.memory.idleRssMb} MB; about ${memoryPerStreamKb} KB RSS per open stream (peak, garbage not yet collected included)`);
    console.log(`  live heap (after a full GC): ${round(live(heapAtRest), 1)} MB with no stream open; ${livePerOpenStreamKb ?? '?'} KB more per open stream`);
    const collections = (kind, name) => `${kind.count} ${name}${kind.count ? ` (pauses p50/max ${kind.p50Ms}/${kind.maxMs} ms)` : ''}`;
    console.log(`  garbage collection during the steady phase: ${collections(steadyReport.gc.major, 'full')}, ${collections(steadyReport.gc.minor, 'young-generation')}`);
    console.log(`  target (added p99 < ${TARGET_ADDED_P99_MS} ms with ${settings.streams} open): ${report.target.steadyMet ? 'met' : 'MISSED'}`);
    if (timelineFile) {
      await atom.stop(); // the preload writes its records as the process exits
      report.steady.timeline = whereTheTimeWent(timedOf(measuredOf(steady, { onlyFull: true })), readTimeline(timelineFile));
      await writeJson(RESULTS_FILE, report);
      printTimeline(report.steady.timeline);
    }
    console.log(`  report: ${RESULTS_FILE}`);
    process.exitCode = steadyReport.errors + burstReport.errors + memoryErrors > 0 ? 1 : 0;
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
