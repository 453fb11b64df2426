import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilHealthy(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/api/health`).then((res) => res.status === 200, () => false);
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server did not become healthy: ${output()}`);
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The real server process (`node dist/src/main.js`), stopped with SIGTERM as an orchestrator would. */
describe('graceful shutdown (SIGTERM)', () => {
  let child: ChildProcess;
  let port: number;
  let output = '';
  const env: Record<string, string> = {};
  let cleanup: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
    port = await freePort();
    Object.assign(env, {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(port),
      JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
      LOG_LEVEL: 'log',
      SHUTDOWN_GRACE_MS: '20000',
    });
    if (process.env.DATABASE_URL) {
      const name = `atom_test_${randomBytes(6).toString('hex')}`;
      const admin = new Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${name}`;
      env.DATABASE_URL = url.toString();
      env.DATA_DIR = ':memory:';
      cleanup = async () => {
        const client = new Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      };
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), 'atom-shutdown-'));
      env.DATA_DIR = dataDir;
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    }
    child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntilHealthy(port, child, () => output);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await cleanup();
  });

  it('finishes the request in flight, refuses new connections and exits 0', async () => {
    // A request whose body is still arriving when the signal comes: in flight from the server's view.
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'wrong password!!' });
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Tenant-ID: no-such-tenant\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(child.exitCode).toBeNull(); // still draining
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();

    socket.write(body.slice(10));
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 404 /);
    expect(response).toContain('"TENANT_NOT_FOUND"');

    expect(await exitOf(child)).toBe(0);
    expect(output).toContain('SIGTERM received: draining in-flight requests');
    // The embedded database was closed, not abandoned: its lock is released.
    if (env.DATA_DIR !== ':memory:') expect(existsSync(join(env.DATA_DIR, 'atom.lock'))).toBe(false);
  });
});
