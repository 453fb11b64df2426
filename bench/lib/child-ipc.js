'use strict';

/** The child side of lib/children.js: config from the parent, ready/failed reports, stop on request. */
function childConfig() {
  const raw = process.env.BENCH_CHILD_CONFIG;
  if (!raw || typeof process.send !== 'function') throw new Error('Start this through bench/run.js (it needs an IPC channel)');
  return JSON.parse(raw);
}

function serveUntilStopped(label, start) {
  let close = async () => undefined;
  let stopping = false;
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
