'use strict';

// The Atom application, built (dist/), in a process of its own. Started by run.js.
const { createApp } = require('../dist/src/app');
const { loadConfig } = require('../dist/src/config/config');
const { serveUntilStopped } = require('./lib/child-ipc');

async function start({ databaseUrl, jwtSecret, platformKey, poolSize, env = {} }) {
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    PLATFORM_ADMIN_KEY: platformKey,
    LOG_LEVEL: 'error',
    DB_POOL_SIZE: String(poolSize),
    // Tokens obtained before provisioning 1,000 tenants must outlive it.
    JWT_ACCESS_TTL: '86400',
    // Per-benchmark settings (webhooks.js: the delivery worker on or off, private receivers allowed).
    ...env,
  });
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address();
  return { port, close: () => app.close() };
}

serveUntilStopped('atom', start);
