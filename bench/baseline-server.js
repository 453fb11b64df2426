'use strict';

// The baseline: bare node:http + a pg pool, answering GET /api/auth/me with the same user row as one
// schema-qualified statement (no framework, no transaction, no auth). Started by run.js.
const http = require('node:http');
const { Pool } = require('pg');
const { serveUntilStopped } = require('./lib/child-ipc');

const SCHEMA = /^tenant_[a-z][a-z0-9_]{1,38}[a-z0-9]$/;

function handler(pool, sql, userId) {
  return (req, res) => {
    if (req.method !== 'GET' || req.url !== '/api/auth/me') {
      res.writeHead(404).end();
      return;
    }
    pool.query(sql, [userId]).then(
      ({ rows }) => {
        const body = JSON.stringify({ success: true, data: { user: rows[0] ?? null } });
        res.writeHead(rows[0] ? 200 : 404, { 'content-type': 'application/json; charset=utf-8' }).end(body);
      },
      (error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
    );
  };
}

async function start({ databaseUrl, schema, userId, poolSize }) {
  if (!SCHEMA.test(schema)) throw new Error(`Not a tenant schema: ${schema}`);
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'atom-bench-baseline' });
  const sql = `SELECT id, email, name, role, created_at, updated_at FROM "${schema}".users WHERE id = $1`;
  const server = http.createServer(handler(pool, sql, userId));
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

serveUntilStopped('baseline', start);
