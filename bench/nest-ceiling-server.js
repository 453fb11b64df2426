'use strict';

// The framework's ceiling: a bare Nest 12 + Express app answering GET /api/auth/me with a constant JSON
// body: no middleware, guards, database or envelope. Shows how much of the gap to the baseline is the
// framework itself. Started by run.js.
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { serveUntilStopped } = require('./lib/child-ipc');

const BODY = { success: true, data: { user: { id: '00000000-0000-4000-8000-000000000000', email: 'owner@bench.test' } } };

class MeController {
  me() {
    return BODY;
  }
}
Controller('api/auth')(MeController);
Get('me')(MeController.prototype, 'me', Object.getOwnPropertyDescriptor(MeController.prototype, 'me'));

class CeilingModule {}
Module({ controllers: [MeController] })(CeilingModule);

async function start() {
  const app = await NestFactory.create(CeilingModule, new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { port: app.getHttpServer().address().port, close: () => app.close() };
}

serveUntilStopped('nest-ceiling', start);
