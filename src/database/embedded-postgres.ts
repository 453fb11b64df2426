import { mkdirSync } from 'node:fs';
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
  ) {}

  /** `dataDir` undefined keeps the database in memory (tests). */
  static async start(options: { dataDir?: string; maxConnections: number }): Promise<EmbeddedPostgres> {
    let db: PGlite;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      db = await PGlite.create(join(options.dataDir, 'pglite'));
    } else {
      db = await PGlite.create();
    }
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: options.maxConnections });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    return new EmbeddedPostgres(db, server, url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
