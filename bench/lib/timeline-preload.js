'use strict';

// Preloaded into the Atom child by bench/chat.js when BENCH_CHAT_TIMELINE=1 (`--require`): for every chat
// stream of the bench (the `[bench:<tag>]` of its message), when Atom itself saw each step, in epoch ms on
// the machine clock (comparable with the load generator's and the fake provider's records):
//   request   the HTTP request was parsed ('request' event)
//   provider  the provider request was handed to the socket (ClientRequest.end with the prompt)
//   chunk     the provider's first content chunk was read
//   delta     the first `event: delta` frame was written to the client
// and each SQL statement it ran before the first delta ({sql: first words, start, end}). Written as JSON
// to BENCH_TIMELINE_FILE when the process exits. It patches node:http and pg prototypes: a diagnostic mode,
// a little slower than a plain run, never the run whose result is kept.
const http = require('node:http');
const net = require('node:net');
const { writeFileSync } = require('node:fs');
const { AsyncLocalStorage } = require('node:async_hooks');
const { performance } = require('node:perf_hooks');
const { setImmediate } = require('node:timers');

const file = process.env.BENCH_TIMELINE_FILE;
const now = () => performance.timeOrigin + performance.now();
const streams = new Map();
const current = new AsyncLocalStorage();
const TAG_IN_URL = /bench%3A([\w-]+)%5D/;
// The prompt also holds recalled episodes with older tags: the user message, last, has the stream's own.
const TAG_IN_BODY = /\[bench:([\w-]+)\]/g;
const CONTENT = /"content":"[^"]/;

function record(tag) {
  let entry = streams.get(tag);
  if (!entry) streams.set(tag, (entry = { tag, statements: [] }));
  return entry;
}

const serverEmit = net.Server.prototype.emit;
net.Server.prototype.emit = function emit(event, req, res) {
  const tag = event === 'request' ? TAG_IN_URL.exec(req.url)?.[1] : undefined;
  if (!tag) return serverEmit.apply(this, arguments);
  const entry = record(tag);
  entry.request = now();
  res.benchTag = tag;
  return current.run(entry, () => serverEmit.apply(this, arguments));
};

const clientEnd = http.ClientRequest.prototype.end;
http.ClientRequest.prototype.end = function end(body) {
  if (typeof body === 'string') {
    const tags = [...body.matchAll(TAG_IN_BODY)];
    if (tags.length > 0) {
      this.benchTag = tags[tags.length - 1][1];
      record(this.benchTag).provider = now();
    }
  }
  return clientEnd.apply(this, arguments);
};

const clientEmit = http.ClientRequest.prototype.emit;
http.ClientRequest.prototype.emit = function emit(event, res) {
  if (event === 'response' && this.benchTag) res.benchTag = this.benchTag;
  return clientEmit.apply(this, arguments);
};

const incomingEmit = http.IncomingMessage.prototype.emit;
http.IncomingMessage.prototype.emit = function emit(event, data) {
  if (event === 'data' && this.benchTag && !this.benchChunkSeen && CONTENT.test(String(data))) {
    this.benchChunkSeen = true;
    record(this.benchTag).chunk = now();
  }
  return incomingEmit.apply(this, arguments);
};

const responseWrite = http.ServerResponse.prototype.write;
http.ServerResponse.prototype.write = function write(chunk) {
  if (this.benchTag && !this.benchDeltaOut && typeof chunk === 'string' && chunk.includes('event: delta')) {
    this.benchDeltaOut = true;
    record(this.benchTag).delta = now();
  }
  return responseWrite.apply(this, arguments);
};

// pg is loaded by the app after this preload: patch its client once it is (resolved from the app's root).
setImmediate(() => {
  const pg = require(require.resolve('pg', { paths: [process.cwd()] }));
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function timedQuery(config) {
    const result = query.apply(this, arguments);
    const entry = current.getStore();
    if (entry && entry.delta === undefined && result && typeof result.then === 'function') {
      const text = typeof config === 'string' ? config : config?.text;
      const statement = { sql: String(text).replace(/\s+/g, ' ').slice(0, 40), start: now() };
      entry.statements.push(statement);
      const done = () => (statement.end = now());
      result.then(done, done);
    }
    return result;
  };
});

process.on('exit', () => {
  if (file) writeFileSync(file, JSON.stringify([...streams.values()]));
});
