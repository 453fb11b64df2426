import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { acquireDataDirLock, EmbeddedPostgres } from './embedded-postgres';

describe('acquireDataDirLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'atom-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes our pid to DATA_DIR/atom.lock', () => {
    const file = acquireDataDirLock(dir);
    expect(file).toBe(join(dir, 'atom.lock'));
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
  });

  it('refuses a DATA_DIR held by another live process, naming it', () => {
    // The parent of this Jest worker is alive for the whole test.
    writeFileSync(join(dir, 'atom.lock'), String(process.ppid));
    expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`in use by process ${process.ppid}`));
    expect(readFileSync(join(dir, 'atom.lock'), 'utf8')).toBe(String(process.ppid));
  });

  it('takes over the lock of a process that is gone', () => {
    const finished = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, 'atom.lock'), finished.stdout.toString());
    acquireDataDirLock(dir);
    expect(readFileSync(join(dir, 'atom.lock'), 'utf8')).toBe(String(process.pid));
  });

  it('takes over an unreadable lock', () => {
    writeFileSync(join(dir, 'atom.lock'), 'garbage');
    expect(existsSync(acquireDataDirLock(dir))).toBe(true);
    expect(readFileSync(join(dir, 'atom.lock'), 'utf8')).toBe(String(process.pid));
  });
});

describe('EmbeddedPostgres shared session', () => {
  it('never answers one connection’s query with another’s rows (600 interleaved queries, 3 connections)', async () => {
    const embedded = await EmbeddedPostgres.start({ maxConnections: 6 });
    const pool = new Pool({ connectionString: embedded.url, max: 3 });
    try {
      await pool.query(
        `CREATE SCHEMA ta; CREATE SCHEMA tb; CREATE TABLE ta.u(id int, who text); CREATE TABLE tb.u(id int, who text);
         INSERT INTO ta.u VALUES (1, 'a'); INSERT INTO tb.u VALUES (2, 'b')`,
      );
      const answers = await Promise.all(
        Array.from({ length: 600 }, async (_, i) => {
          const tenant = i % 2 ? 'a' : 'b';
          const id = tenant === 'a' ? 1 : 2;
          // Half plain parameterised queries (extended protocol, no transaction), half units of work.
          if (i % 4 < 2) return { tenant, rows: (await pool.query(`SELECT who FROM t${tenant}.u WHERE id = $1`, [id])).rows };
          const client = await pool.connect();
          try {
            await client.query(`BEGIN; SELECT set_config('search_path', 't${tenant}, public', true)`);
            const { rows } = await client.query('SELECT who FROM u WHERE id = $1', [id]);
            await client.query('COMMIT');
            return { tenant, rows };
          } finally {
            client.release();
          }
        }),
      );
      const wrong = answers.filter(({ tenant, rows }) => rows.length !== 1 || rows[0].who !== tenant);
      expect(wrong).toEqual([]);
    } finally {
      await pool.end();
      await embedded.stop();
    }
  });
});

describe('EmbeddedPostgres connections', () => {
  it('a connection opened but not yet used does not block the others', async () => {
    const embedded = await EmbeddedPostgres.start({ maxConnections: 4 });
    const idle = new Client({ connectionString: embedded.url });
    const busy = new Client({ connectionString: embedded.url, connectionTimeoutMillis: 3000 });
    try {
      await idle.connect();
      await busy.connect();
      const { rows } = await busy.query('SELECT $1::int AS answer', [42]);
      expect(rows).toEqual([{ answer: 42 }]);
    } finally {
      await busy.end().catch(() => undefined);
      await idle.end().catch(() => undefined);
      await embedded.stop();
    }
  });
});
