// FileLock between separate programs (not children of one multiproc program), and a holder
// killed with SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLock } from '@multiproc/synchronize';
import { exited, fixture, runNode } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-filelock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('FileLock in one program', () => {
  it('acquires, refuses while held, times out with false, releases', async () => {
    const a = new FileLock(join(dir, 'job'), { stale: 2000 });
    const b = new FileLock(join(dir, 'job'), { stale: 2000 });
    expect(await a.acquire()).toBe(true);
    expect(existsSync(join(dir, 'job.lock'))).toBe(true);
    expect(await a.isLocked()).toBe(true);
    expect(await b.acquire({ block: false })).toBe(false);
    const t0 = performance.now();
    expect(b.acquireSync({ timeout: 80 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(80);
    expect(() => b.release()).toThrow('release() of a FileLock this object does not hold');
    a.release();
    expect(existsSync(join(dir, 'job.lock'))).toBe(false);
    expect(b.acquireSync()).toBe(true);
    b.close(); // releases
    expect(existsSync(join(dir, 'job.lock'))).toBe(false);
    a.close();
  });

  it('withLock releases on throw; bad options are refused by name', async () => {
    const lock = new FileLock(join(dir, 'x'));
    await expect(
      lock.withLock(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lock.held).toBe(false);
    expect(() => new FileLock(join(dir, 'y'), { stale: 10 })).toThrow(
      'options.stale must be a number of milliseconds ≥ 2000, got 10 (number)',
    );
    expect(() => new FileLock('')).toThrow('path must be a non-empty string');
    lock.close();
  });
});

describe('FileLock between separate programs', () => {
  it('two programs never hold it at the same time', async () => {
    const log = join(dir, 'log');
    const path = join(dir, 'shared');
    const [a, b] = await Promise.all([
      runNode(fixture('file-lock-program.mjs'), [path, '20', log]),
      runNode(fixture('file-lock-program.mjs'), [path, '20', log]),
    ]);
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, '']);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    // Every start is followed by the end of the same program before any other start.
    for (let i = 0; i < lines.length; i += 2) {
      const [s, spid] = lines[i]!.split(' ');
      const [e, epid] = lines[i + 1]!.split(' ');
      expect([s, e, spid]).toEqual(['start', 'end', epid]);
    }
    expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(2);
  });

  it('a holder killed with SIGKILL is detected as stale and replaced', async () => {
    const path = join(dir, 'shared');
    const holder = spawn(process.execPath, [fixture('file-lock-program.mjs'), path, 'forever'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        holder.once('exit', () => reject(new Error('the holder exited early')));
      });
      const lock = new FileLock(path, { stale: 2000 });
      expect(await lock.acquire({ timeout: 300 })).toBe(false);
      holder.kill('SIGKILL');
      await exited(holder);
      const t0 = performance.now();
      expect(await lock.acquire({ timeout: 10_000 })).toBe(true);
      // Stale after 2 s without a refresh (the last refresh was at most 1 s before the kill).
      expect(performance.now() - t0).toBeLessThan(4000);
      lock.release();
      lock.close();
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
