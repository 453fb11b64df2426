import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock } from './embedded-postgres';

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
