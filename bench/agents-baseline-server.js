'use strict';

// The agent-list baseline: bare node:http + a pg pool, answering GET /api/agents?limit=&sort=created_at[&q=]
// with the two statements AgentsService issues (the count, then the page; lib/agents-sql.js),
// schema-qualified instead of through search_path, with no transaction, framework, auth or
// validation beyond what keeps the SQL safe. Started by agents.js.
const http = require('node:http');
const { URL } = require('node:url');
const { Pool } = require('pg');
const { serveUntilStopped } = require('./lib/child-ipc');
const { listStatements, present } = require('./lib/agents-sql');

const SCHEMA = /^tenant_[a-z][a-z0-9_]{1,38}[a-z0-9]$/;

async function answer(pool, schema, url) {
  const limit = Number(url.searchParams.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || url.searchParams.get('sort') !== 'created_at') {
    return [400, { success: false }];
  }
  const { count, page, params } = listStatements(schema, { limit, q: url.searchParams.get('q') });
  const client = await pool.connect();
  try {
    const total = Number((await client.query(count, params)).rows[0].cnt);
    const { rows } = await client.query(page, params);
    return [200, { success: true, data: rows.map(present), pagination: { page: 1, limit, total, pages: Math.ceil(total / limit) } }];
  } finally {
    client.release();
  }
}

function handler(pool, schema) {
  return (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/api/agents') {
      res.writeHead(404).end();
      return;
    }
    answer(pool, schema, url).then(
      ([status, body]) => res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body)),
      (error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
    );
  };
}

async function start({ databaseUrl, schema, poolSize }) {
  if (!SCHEMA.test(schema)) throw new Error(`Not a tenant schema: ${schema}`);
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'atom-bench-agents-baseline' });
  const server = http.createServer(handler(pool, schema));
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}

serveUntilStopped('agents-baseline', start);
