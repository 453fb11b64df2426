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

module.exports = { createBenchDatabase, serverVersion, countSchemas, withClient };
