import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PGlite served over the Postgres wire protocol on a loopback port, so the app always speaks `pg`
 * through one pool whatever the database. All socket connections share one PGlite session; the
 * socket server keeps a transaction's statements together, and we only ever use SET LOCAL, so
 * sharing is safe (see stack-notes: the in-process TypeORM driver served the wrong tenant).
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    private readonly lockFile?: string,
  ) {}

  /** `dataDir` undefined keeps the database in memory (tests). */
  static async start(options: { dataDir?: string; maxConnections: number }): Promise<EmbeddedPostgres> {
    let db: PGlite;
    let lockFile: string | undefined;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      lockFile = acquireDataDirLock(options.dataDir);
      try {
        db = await PGlite.create(join(options.dataDir, 'pglite'));
      } catch (error) {
        rmSync(lockFile, { force: true });
        throw error;
      }
    } else {
      db = await PGlite.create();
    }
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: options.maxConnections });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    return new EmbeddedPostgres(db, server, url, lockFile);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

export class DataDirInUseError extends Error {}

/**
 * PGlite is single-process: a second process opening the same files (a second `npm start`, or
 * `npm run tenant` while the server runs) would corrupt them. The lock names its owner's pid and is
 * taken over only when that process is gone.
 */
export function acquireDataDirLock(dataDir: string): string {
  const file = join(dataDir, 'atom.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(
          `The embedded database in ${dataDir} is in use by process ${owner}. Stop it first, ` +
            'or point both at a PostgreSQL server with DATABASE_URL.',
          { cause: error },
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
