'use strict';

const { fork } = require('node:child_process');
const { once } = require('node:events');
const { setTimeout, clearTimeout } = require('node:timers');
const { setTimeout: sleep } = require('node:timers/promises');

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/**
 * Node flags of every server child: those Atom is deployed with (`npm start`, the Docker image), and the
 * same for the baselines it is compared with. --v8-pool-size=0 sizes V8's background (GC) threads to the cores.
 */
const SERVER_NODE_ARGS = ['--v8-pool-size=0'];

/** Every server child this process started: stopped on exit, even after an error. */
const running = new Set();

function waitForReady(child, label) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not report ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message) => {
      if (message?.type === 'ready') {
        cleanup();
        resolve(message.port);
      } else if (message?.type === 'failed') {
        cleanup();
        reject(new Error(`${label} failed to start: ${message.error}`));
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`${label} exited before it was ready (code ${code}, signal ${signal})`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * Forks `script` (a server of its own process, so the load generator never shares its event loop),
 * passes `config` through the environment and resolves once it reports its port over IPC.
 * `nodeArgs`: node flags this benchmark needs in the child (e.g. --expose-gc for the live-heap question).
 */
async function startServer(script, label, config, { nodeArgs = [] } = {}) {
  const child = fork(script, [], {
    // Extra node flags for the servers only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`): NODE_OPTIONS
    // refuses --cpu-prof and would reach the load generator too.
    execArgv: [...SERVER_NODE_ARGS, ...nodeArgs, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env: { ...process.env, BENCH_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  try {
    const port = await waitForReady(child, label);
    return { label, port, pid: child.pid, url: `http://127.0.0.1:${port}`, stop: () => stopChild(child), ask: (type) => askChild(child, label, type) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** Asks the child (child-ipc.js) for `type` (live-heap, gc-pauses) and resolves its answer. */
function askChild(child, label, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type !== type) return;
      child.off('message', onMessage);
      if (message.error) reject(new Error(`${label}: ${message.error}`));
      else resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/** Asks the child to close (server, pool) and exit; kills that one child if it does not within the timeout. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send({ type: 'stop' });
  const outcome = await Promise.race([exited.then(() => 'exited'), sleep(STOP_TIMEOUT_MS).then(() => 'timeout')]);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

async function stopAllServers() {
  await Promise.all([...running].map((child) => stopChild(child).catch(() => undefined)));
}

module.exports = { startServer, stopAllServers };
