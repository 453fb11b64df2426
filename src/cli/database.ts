import type { LoggerService } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { EmbeddedPostgres } from '../database/embedded-postgres';

export interface CliDatabase {
  dataSource: DataSource;
  /** Where the data lives, for the CLI's first line of output (never prints credentials). */
  description: string;
  close(): Promise<void>;
}

export function describeDatabase(config: AppConfig): string {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  }
  return config.dataDir === ':memory:' ? 'embedded PostgreSQL (PGlite) in memory' : `embedded PostgreSQL (PGlite) in ${config.dataDir}`;
}

/**
 * Opens the configured database the way the app does (DATABASE_URL, else embedded PGlite in
 * DATA_DIR) with a small pool of its own, no entities and no migrations run: for the migrate CLI.
 */
export async function openDatabase(config: AppConfig, poolSize = 2): Promise<CliDatabase> {
  const embedded = config.databaseUrl
    ? null
    : await EmbeddedPostgres.start({ dataDir: config.dataDir === ':memory:' ? undefined : config.dataDir, maxConnections: poolSize + 3 });
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.databaseUrl ?? embedded!.url,
    entities: [],
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    poolSize,
    applicationName: 'atom-cli',
    extra: { max: poolSize, connectionTimeoutMillis: 10000 },
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return {
    dataSource,
    description: describeDatabase(config),
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * Nest's logger for CLI runs: warnings and errors go to stderr (stdout carries only the command's
 * JSON), the framework's start-up chatter is dropped.
 */
export class StderrLogger implements LoggerService {
  constructor(private readonly write: (line: string) => void) {}

  log(): void {}

  warn(message: unknown, context?: unknown): void {
    this.write(`warn${typeof context === 'string' ? ` [${context}]` : ''} ${String(message)}`);
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = rest.length ? rest[rest.length - 1] : undefined;
    this.write(`error${typeof context === 'string' ? ` [${context}]` : ''} ${String(message)}`);
  }
}
