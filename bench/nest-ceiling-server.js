'use strict';

// The framework's ceiling: a bare Nest 12 + Express app answering GET /api/auth/me: no middleware,
// guards or envelope. Without a database in its config it answers a constant JSON body (the framework
// alone); with one it reads the same user row as the baseline through a pg pool of the same size (the
// framework plus the one query every Atom request needs). Shows how much of the gap to the baseline
// is the framework itself. Started by run.js.
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { Pool } = require('pg');
const { serveUntilStopped } = require('./lib/child-ipc');

const SCHEMA = /^tenant_[a-z][a-z0-9_]{1,38}[a-z0-9]$/;
const BODY = { success: true, data: { user: { id: '00000000-0000-4000-8000-000000000000', email: 'owner@bench.test' } } };

function controllerFor(readUser) {
  class MeController {
    me() {
      return readUser ? readUser().then((user) => ({ success: true, data: { user } })) : BODY;
    }
  }
  Controller('api/auth')(MeController);
  Get('me')(MeController.prototype, 'me', Object.getOwnPropertyDescriptor(MeController.prototype, 'me'));
  return MeController;
}

async function start({ databaseUrl, schema, userId, poolSize } = {}) {
  let pool = null;
  let readUser = null;
  if (databaseUrl) {
    if (!SCHEMA.test(schema)) throw new Error(`Not a tenant schema: ${schema}`);
    pool = new Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'atom-bench-nest-ceiling' });
    const sql = `SELECT id, email, name, role, created_at, updated_at FROM "${schema}".users WHERE id = $1`;
    readUser = () => pool.query(sql, [userId]).then(({ rows }) => rows[0] ?? null);
  }
  class CeilingModule {}
  Module({ controllers: [controllerFor(readUser)] })(CeilingModule);
  const app = await NestFactory.create(CeilingModule, new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    port: app.getHttpServer().address().port,
    close: async () => {
      await app.close();
      if (pool) await pool.end();
    },
  };
}

serveUntilStopped('nest-ceiling', start);
