import { spawn, spawnSync } from 'node:child_process';
import { readSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { closeFd, readWait, socketpair, spinMicros } from '@multiproc/native';
import { exited, fixture, runNode } from './helpers.js';

const root = join(__dirname, '..');

/** CPU time this process used while `fn` ran, in ms, with `fn`'s result. */
function cpuDuring<T>(fn: () => T): { result: T; cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const used = process.cpuUsage(cpu);
  return { result, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - t0 };
}

describe('readWait: a blocking read that spins first', () => {
  test('reads what a peer process sends, sleeps once its spin is over, and returns 0 at end of file', async () => {
    const [here, there] = socketpair();
    const peer = spawn(process.execPath, [fixture('read-wait-peer.cjs')], {
      stdio: ['ignore', 'inherit', 'inherit', there],
    });
    closeFd(there);
    // Wrapping the descriptor makes it non-blocking, as a Connection's is; nothing reads it.
    const socket = new Socket({ fd: here, readable: false, writable: true });
    try {
      const buf = Buffer.alloc(64);
      expect(() => readSync(here, buf)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));

      socket.write('ping');
      expect(readWait(here, buf, 0, buf.length, 50)).toBe(4);
      expect(buf.subarray(0, 4).toString()).toBe('ping');

      // A reply 300 ms away: the read spins 50 µs, then sleeps in poll(2) without using CPU.
      socket.write('late');
      const late = cpuDuring(() => readWait(here, buf, 8, 32, 50));
      expect(late.result).toBe(4);
      expect(buf.subarray(8, 12).toString()).toBe('LATE');
      expect(late.wallMs).toBeGreaterThanOrEqual(250);
      expect(late.cpuMs).toBeLessThan(100);

      socket.write('bye');
      expect(readWait(here, buf, 0, buf.length, 0)).toBe(0);
    } finally {
      socket.destroy();
      await exited(peer);
    }
    expect(peer.exitCode).toBe(0);
  });

  test('bad arguments are refused before anything is read', () => {
    const [a, b] = socketpair();
    try {
      const buf = Buffer.alloc(8);
      expect(() => readWait(a, 'nope' as unknown as Buffer, 0, 1, 50)).toThrow(
        new TypeError('target must be an ArrayBufferView, got "nope" (string)'),
      );
      expect(() => readWait(a, buf, 0, 0, 50)).toThrow(
        new RangeError('length must be between 1 and 8, got 0'),
      );
      expect(() => readWait(a, buf, 4, 5, 50)).toThrow(
        new RangeError('length must be between 1 and 4, got 5'),
      );
      expect(() => readWait(a, buf, 0, 8, -1)).toThrow(
        new RangeError('spinMicros must be between 0 and 1000000, got -1'),
      );
      expect(() => readWait(-1, buf, 0, 8, 0)).toThrow(RangeError);
    } finally {
      closeFd(a);
      closeFd(b);
    }
  });
});

describe('keepWarm and the spin setting', () => {
  test('one nice-19 spinner thread per process, asleep once its window passed; the process still exits by itself', async () => {
    const run = await runNode(fixture('keep-warm.mjs'), [], { cwd: root, timeoutMs: 10_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ added: 1, nice: 19, idleTicks: 0 });
  });

  test('spinMicros is 50 by default and MULTIPROC_SPIN_US sets it; a bad value is one clear error', async () => {
    expect(spinMicros).toBe(50);
    const print = "import('@multiproc/native').then((n) => console.log(n.spinMicros))";
    const env = (value: string) => ({
      cwd: root,
      env: { ...process.env, MULTIPROC_SPIN_US: value },
    });
    expect((await runNode('-e', [print], env('0'))).stdout).toBe('0\n');
    expect((await runNode('-e', [print], env('200'))).stdout).toBe('200\n');
    const bad = await runNode('-e', [print], env('fast'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'RangeError: MULTIPROC_SPIN_US must be an integer number of microseconds from 0 to 1000000, got "fast"',
    );
  });
});

describe('yieldCpu', () => {
  test('lets a thread that is ready on the same CPU run first, and returns undefined', () => {
    // Both threads on CPU 0 (taskset), so the worker can run only when the main thread lets it.
    const run = spawnSync('taskset', ['-c', '0', process.execPath, fixture('yield-cpu.mjs')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.stderr).toBe('');
    const { advanced, returned } = JSON.parse(run.stdout) as {
      advanced: number;
      returned: unknown;
    };
    expect(returned).toBeUndefined();
    // Measured on the project's VMs (Linux 6.18): 7 of 20; with the yield replaced by a load, 0.
    expect(advanced).toBeGreaterThanOrEqual(3);
  });
});

describe('allocBody: recycled memory for large received messages', () => {
  test('gives exact-size buffers from 256 KiB up, undefined below, and keeps collected ones for reuse (at most 64 MiB, marked MADV_FREE after a second unused)', async () => {
    const run = await runNode(fixture('alloc-body.cjs'), [], { cwd: root, timeoutMs: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      small: 'undefined',
      lengths: [262144, 1048576, 1048577],
      writable: true,
      badSize: 'size must be an integer, got 1.5 (number)',
    });
    // 83 MiB were dropped; which blocks the cache keeps depends on the order V8 frees them, but
    // never more than 64 MiB, and a full cache is within one block (1 MiB + a page) of that.
    const mib = 1024 * 1024;
    expect(out['cachedAfterGc']).toBeLessThanOrEqual(64 * mib);
    expect(out['cachedAfterGc']).toBeGreaterThan(62 * mib);
    // Nothing of it is marked MADV_FREE at once; after a second unused, all of it is.
    expect(out['lazyFreeAtOnce']).toBeLessThan(2 * mib);
    expect(out['lazyFreeLater']).toBeGreaterThan(62 * mib);
    // What stays cached after 64 takes of 1 MiB: blocks too small for 1 MiB (the 256 KiB one).
    expect(out['leftAfterReuse']).toBeLessThan(2 * mib);
    expect(out['reusedWritable']).toBe(true);
  });
});
