// Many pending async waits in one thread: 10,000 `await lock.acquire()` over 100 locks that
// another process holds. They sleep natively on a handful of the addon's waiter threads
// (futex_waitv, Linux >= 5.16), are granted once each as the holder releases, in the order they
// were asked for, and the thread count stays bounded. Memory and time are printed for the record.
import { readdirSync } from 'node:fs';
import { pendingFutexWaits } from '@multiproc/native';
import { activeChildren, getContext, type Process } from '@multiproc/process';
import { Event, Lock } from '@multiproc/synchronize';
import { guardLeftovers, shmNames } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

guardLeftovers({ activeChildren, shmNames });

const threads = (): number => readdirSync('/proc/self/task').length;

describe('10,000 pending async acquires across 100 locks', () => {
  it('all are granted in order as the holder releases; waiter threads stay bounded', async () => {
    const locks = Array.from({ length: 100 }, () => new Lock());
    const held = new Event();
    const go = new Event();
    const holder = new (getContext('spawn').Process)({
      target: targets['holdThenRelease'],
      args: [locks, held, go, 0],
    });
    holder.start();
    try {
      await grantAll(locks, held, go, holder);
    } finally {
      for (const lock of locks) lock.close();
      held.close();
      go.close();
    }
  }, 90_000);
});

async function grantAll(locks: Lock[], held: Event, go: Event, holder: Process): Promise<void> {
  expect(await held.wait(30_000)).toBe(true);
  // One async wait first, so that what a first wait starts (a waiter thread, keepWarm's
  // spinner) is in the baseline: the bound is on what 10,000 waits add to one.
  expect(await locks[0]!.acquire({ timeout: 1 })).toBe(false);
  const baseline = threads();
  const pendingBefore = pendingFutexWaits();
  const rss0 = process.memoryUsage().rss;
  const granted: number[][] = locks.map(() => []);
  const acquires: Promise<void>[] = [];
  for (let i = 0; i < 10_000; i++) {
    const k = i % 100;
    acquires.push(
      locks[k]!.acquire().then((acquired) => {
        expect(acquired).toBe(true);
        granted[k]!.push(i);
        locks[k]!.release();
      }),
    );
  }
  expect(pendingFutexWaits() - pendingBefore).toBe(10_000);
  const pendingThreads = threads();
  const rss1 = process.memoryUsage().rss;
  const t0 = performance.now();
  go.set();
  await Promise.all(acquires);
  const ms = performance.now() - t0;
  await holder.join(30_000);
  expect(holder.exitcode).toBe(0);
  for (let k = 0; k < 100; k++) {
    expect(granted[k]).toEqual(Array.from({ length: 100 }, (_, j) => k + 100 * j));
  }
  expect(pendingThreads - baseline).toBeLessThanOrEqual(4);
  expect(pendingFutexWaits()).toBe(pendingBefore);
  process.stdout.write(
    `10,000 pending acquires over 100 locks: ${baseline} threads before, ${pendingThreads} ` +
      `while pending, RSS +${((rss1 - rss0) / 2 ** 20).toFixed(1)} MiB; all granted in ` +
      `${ms.toFixed(0)} ms\n`,
  );
}
