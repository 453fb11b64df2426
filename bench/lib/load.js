'use strict';

const autocannon = require('autocannon');

const ME_PATH = '/api/auth/me';

function bearer(token) {
  return { authorization: `Bearer ${token}` };
}

/**
 * Spreads the load over many tokens (one per tenant): every connection cycles through all of them,
 * each starting at its own offset. The requests are pre-built, so this costs the load generator no more
 * per request than a single token does.
 */
function spreadOverTokens(tokens, connections) {
  const requests = tokens.map((token) => ({ method: 'GET', path: ME_PATH, headers: bearer(token) }));
  let nextClient = 0;
  return (client) => {
    const offset = Math.floor((nextClient++ * requests.length) / connections) % requests.length;
    client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
  };
}

function summarizeResult(result) {
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count]));
  return {
    requestsPerSecond: result.requests.average,
    latencyMs: { average: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    totalRequests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    durationSeconds: result.duration,
  };
}

/** One autocannon run of GET /api/auth/me against `baseUrl` with one token, or spread over `tokens`. */
async function loadMe(baseUrl, { tokens, durationSeconds, connections, title }) {
  const options = {
    url: `${baseUrl}${ME_PATH}`,
    connections,
    duration: durationSeconds,
    title,
    headers: bearer(tokens[0]),
  };
  if (tokens.length > 1) options.setupClient = spreadOverTokens(tokens, connections);
  return summarizeResult(await autocannon(options));
}

/** One autocannon run of GET `path` on `baseUrl` with one Bearer token (agents.js: the list routes). */
async function loadGet(baseUrl, { path, token, durationSeconds, connections, title }) {
  const options = { url: `${baseUrl}${path}`, connections, duration: durationSeconds, title, headers: bearer(token) };
  return summarizeResult(await autocannon(options));
}

/**
 * One autocannon run of `method` with a JSON body (webhooks.js: the request that emits an event). Each
 * connection keeps to one of `paths` (connection i: paths[i % n]), so writes to different rows do not
 * queue behind one row lock.
 */
async function loadRequest(baseUrl, { method, paths, body, token, durationSeconds, connections, title }) {
  const headers = { ...bearer(token), 'content-type': 'application/json' };
  const payload = JSON.stringify(body);
  let nextClient = 0;
  const options = {
    url: `${baseUrl}${paths[0]}`,
    method,
    body: payload,
    connections,
    duration: durationSeconds,
    title,
    headers,
    setupClient: (client) => client.setRequests([{ method, path: paths[nextClient++ % paths.length], body: payload, headers }]),
  };
  return summarizeResult(await autocannon(options));
}

/** A measurement is only meaningful when every response was the 200 the route gives a valid caller. */
function problemsOf(load) {
  const problems = [];
  if (load.non2xx > 0) problems.push(`${load.non2xx} non-2xx responses (${JSON.stringify(load.statusCounts)})`);
  if (load.errors > 0) problems.push(`${load.errors} connection errors (${load.timeouts} timeouts)`);
  if (load.ok2xx === 0) problems.push('no successful response');
  return problems;
}

module.exports = { loadMe, loadGet, loadRequest, problemsOf };
