'use strict';

const { randomBytes } = require('node:crypto');
const { URL } = require('node:url');
const { Client } = require('pg');

async function withClient(url, work) {
  const client = new Client({ connectionString: url, application_name: 'atom-bench-admin' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function urlForDatabase(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, uniquely named database on the admin URL's server; `drop()` removes it (idempotent). */
async function createBenchDatabase(adminUrl) {
  const name = `atom_bench_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  let dropped = false;
  return {
    name,
    url: urlForDatabase(adminUrl, name),
    async drop() {
      if (dropped) return;
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      dropped = true;
    },
  };
}

async function serverVersion(adminUrl) {
  return withClient(adminUrl, async (client) => (await client.query('SHOW server_version')).rows[0].server_version);
}

async function countSchemas(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'`);
    return rows[0].n;
  });
}

/**
 * What autovacuum would have done by now, on a server that runs without it (the shared PostgreSQL of
 * this machine has `autovacuum = off`; production's runs it): ANALYZE every tenant table with more
 * changed rows since its last analyze than autovacuum's own rule allows (autovacuum_analyze_threshold
 * + autovacuum_analyze_scale_factor x rows). Without it the planner keeps the estimates of an empty
 * table however many rows it holds (e.g. it reads every episode of an agent for a recall meant to read
 * the newest 200). Returns the tables analyzed; none when the server's autovacuum is on.
 */
async function analyzeLikeAutovacuum(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT format('%I.%I', s.schemaname, s.relname) AS name FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE current_setting('autovacuum') = 'off' AND s.schemaname LIKE 'tenant\\_%'
          AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
                                      + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
        ORDER BY 1`,
    );
    for (const { name } of rows) await client.query(`ANALYZE ${name}`);
    return rows.map((row) => row.name);
  });
}

module.exports = { createBenchDatabase, serverVersion, countSchemas, withClient, analyzeLikeAutovacuum };
