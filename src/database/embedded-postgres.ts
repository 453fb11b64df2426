import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * Contrib extensions the migrations create (`CREATE EXTENSION`): PGlite only has those whose code it
 * was given when it started, on every start (also for a data directory that already has them).
 */
const EXTENSIONS = { pg_trgm };

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
        db = await PGlite.create(join(options.dataDir, 'pglite'), { extensions: EXTENSIONS });
      } catch (error) {
        rmSync(lockFile, { force: true });
        throw error;
      }
    } else {
      db = await PGlite.create({ extensions: EXTENSIONS });
    }
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: options.maxConnections });
    keepExchangesTogether(server, db);
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

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  onData: (data: Uint8Array) => void;
}

interface QueueInternals {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue: () => Promise<void>;
  clearQueueForHandler: (handlerId: number) => void;
}

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
// Parse, Bind, Describe, Execute, Close, Flush: the messages of an exchange that only Sync ends.
const EXTENDED_PROTOCOL = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);

/**
 * All socket connections share one PGlite session. pglite-socket keeps a transaction's messages
 * together, but not an extended-protocol exchange outside a transaction (Parse, Bind, Execute … Sync
 * arrive as separate messages): another connection's statements could run in between and replace the
 * unnamed statement, so a plain parameterised query could get another query's rows. Here one
 * connection keeps the session from its first message until its Sync or simple Query, and for as
 * long as it holds a transaction open.
 */
function keepExchangesTogether(server: PGLiteSocketServer, db: PGlite): void {
  const queue = (server as unknown as { queryQueue: QueueInternals }).queryQueue;
  let owner: number | null = null;
  // A connection that goes away mid-exchange must not keep the session pinned to itself.
  const clearQueueForHandler = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clearQueueForHandler(handlerId);
    if (owner === handlerId) {
      owner = null;
      void queue.processQueue();
    }
  };
  queue.processQueue = async function processQueue(this: QueueInternals): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const pinned = owner ?? (db.isInTransaction() ? this.lastHandlerId : null);
        const index = pinned === null ? 0 : this.queue.findIndex((item) => item.handlerId === pinned);
        if (index === -1) break;
        const [item] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await db.runExclusive(() =>
            db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          owner = null;
          item.reject(error);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        // A start-up or password message is a whole exchange of its own: it must not pin the
        // session, or a connection opened but not yet used would block every other one.
        const kind = item.message[0];
        if (kind === SYNC || kind === QUERY) owner = null;
        else if (EXTENDED_PROTOCOL.has(kind)) owner = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
}
