import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/config';
import { createApp, createLogger } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, { logger });
  const server = await app.listen(config.port);

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded), then close the pool.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    Logger.log(`${signal} received: draining in-flight requests`, 'Shutdown');
    const force = setTimeout(() => {
      Logger.warn(`Still busy after ${config.shutdownGraceMs} ms: closing remaining connections`, 'Shutdown');
      server.closeAllConnections?.();
    }, config.shutdownGraceMs);
    force.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        Logger.error(error.stack, 'Shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  Logger.log(`Atom API listening on :${config.port} (docs at /api/docs)`, 'Bootstrap');
}

main().catch((error: Error) => {
  console.error(error.stack ?? error);
  process.exit(1);
});
