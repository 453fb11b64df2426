'use strict';

const { PerformanceObserver, constants } = require('node:perf_hooks');

/** The child side of lib/children.js: config from the parent, ready/failed reports, stop on request. */
function childConfig() {
  const raw = process.env.BENCH_CHILD_CONFIG;
  if (!raw || typeof process.send !== 'function') throw new Error('Start this through bench/run.js (it needs an IPC channel)');
  return JSON.parse(raw);
}

/**
 * What the process keeps alive right now: a full garbage collection first (the child must run with
 * --expose-gc), so that garbage the collector has not reached yet does not count, as it does in RSS.
 * The collection also changes how soon V8 collects next: take it outside any phase that is timed.
 */
function liveHeap() {
  if (typeof globalThis.gc !== 'function') return { error: 'start the child with --expose-gc' };
  globalThis.gc();
  const { heapUsed, external } = process.memoryUsage();
  return { heapUsedMb: heapUsed / 1048576, externalMb: external / 1048576 };
}

/** The pause of every garbage collection since the child started, by kind (main-thread pauses, in ms). */
function gcPauses() {
  const kinds = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor' };
  const pauses = { major: [], minor: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses[kinds[entry.detail?.kind]]?.push(entry.duration);
  }).observe({ entryTypes: ['gc'] });
  return () => pauses;
}

function serveUntilStopped(label, start) {
  let close = async () => undefined;
  let stopping = false;
  const gcPausesSoFar = gcPauses();
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    try {
      await close();
    } catch (error) {
      console.error(`${label}: error while closing: ${error.message}`);
    }
    process.exit(code);
  };
  process.on('message', (message) => {
    if (message?.type === 'stop') stop(0);
    else if (message?.type === 'live-heap') process.send({ type: 'live-heap', ...liveHeap() });
    else if (message?.type === 'gc-pauses') process.send({ type: 'gc-pauses', ...gcPausesSoFar() });
  });
  // The parent went away (crash, Ctrl-C): never outlive it.
  process.on('disconnect', () => stop(0));
  start(childConfig())
    .then((server) => {
      close = server.close;
      process.send({ type: 'ready', port: server.port });
    })
    .catch((error) => {
      process.send({ type: 'failed', error: error.stack ?? String(error) }, () => process.exit(1));
    });
}

module.exports = { serveUntilStopped };
