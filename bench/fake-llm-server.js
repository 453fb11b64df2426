'use strict';

// A streaming OpenAI-compatible Chat Completions server for bench/chat.js, in a process of its own.
// Every answer: wait `firstTokenMs`, then `words` word chunks `chunkMs` apart, then usage and [DONE].
// It records its own time to first token per request (request received -> first content chunk
// written) and when the request arrived (epoch ms, sub-ms: comparable with the load generator's clock
// on the same machine), keyed by the `[bench:<id>]` tag of the last user message: GET /stats returns them.
const http = require('node:http');
const { Buffer } = require('node:buffer');
const { setTimeout } = require('node:timers');
const { performance } = require('node:perf_hooks');
const { serveUntilStopped } = require('./lib/child-ipc');

async function start({ firstTokenMs, chunkMs, words }) {
  const ownTtft = {};
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(ownTtft));
    }
    const received = performance.now();
    const parts = [];
    req.on('data', (part) => parts.push(part));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
      const tag = /\[bench:([\w-]+)\]/.exec(lastUser?.content ?? '')?.[1];
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model };
      const send = (chunk) => !res.destroyed && res.write(`data: ${JSON.stringify({ ...base, ...chunk })}\n\n`);
      await sleep(firstTokenMs);
      for (let i = 0; i < words; i++) {
        if (i > 0) await sleep(chunkMs);
        if (res.destroyed) return;
        send({ choices: [{ index: 0, delta: { content: `${i === 0 ? '' : ' '}word${i}` }, finish_reason: null }] });
        if (i === 0 && tag) ownTtft[tag] = { ttftMs: performance.now() - received, receivedAt: performance.timeOrigin + received };
      }
      send({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      send({ choices: [], usage: { prompt_tokens: 50, completion_tokens: words, total_tokens: 50 + words } });
      res.end('data: [DONE]\n\n');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

serveUntilStopped('fake-llm', start);
