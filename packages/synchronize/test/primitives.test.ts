// Semaphore, BoundedSemaphore, Event, Condition and Barrier: in one process and across real
// processes and threads.
import { activeChildren, getContext } from '@multiproc/process';
import type { HeapBlock } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
} from '@multiproc/synchronize';
import { guardLeftovers, runAll, sleep } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

const words = (block: HeapBlock, n = 8): Int32Array =>
  new Int32Array(block.buffer, block.byteOffset, n);

guardLeftovers({ activeChildren });

describe('Semaphore and BoundedSemaphore in one process', () => {
  it('counts down to zero, times out, counts back up', async () => {
    const sem = new Semaphore(2);
    expect(sem.getValue()).toBe(2);
    expect(sem.acquireSync()).toBe(true);
    expect(await sem.acquire()).toBe(true);
    expect(sem.getValue()).toBe(0);
    expect(sem.acquireSync({ block: false })).toBe(false);
    const t0 = performance.now();
    expect(await sem.acquire({ timeout: 50 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    sem.release();
    sem.release();
    sem.release(); // an unbounded semaphore may go above its initial value
    expect(sem.getValue()).toBe(3);
    sem.close();
  });

  it('wakes an async waiter on release', async () => {
    const sem = new Semaphore(0);
    const waiting = sem.acquire({ timeout: 5000 });
    await sleep(20);
    sem.release();
    expect(await waiting).toBe(true);
    expect(sem.getValue()).toBe(0);
    sem.close();
  });

  it('BoundedSemaphore throws on over-release and keeps its value', () => {
    const sem = new BoundedSemaphore(2);
    expect(() => sem.release()).toThrow('BoundedSemaphore released too many times');
    sem.acquireSync();
    sem.release();
    expect(() => sem.release()).toThrow(
      expect.objectContaining({ code: 'ERR_MP_RELEASED_TOO_MANY_TIMES' }) as Error,
    );
    expect(sem.getValue()).toBe(2);
    sem.close();
  });

  it('refuses a bad initial value', () => {
    expect(() => new Semaphore(-1)).toThrow('value must be between 0 and 2147483647, got -1');
    expect(() => new Semaphore(1.5)).toThrow('value must be an integer ≥ 0, got 1.5 (number)');
  });
});

describe.each(['spawn', 'thread'] as const)('across %s children', (method) => {
  const { Process: P } = getContext(method);

  it('Semaphore(2) lets at most 2 of 4 children in at once', async () => {
    const sem = new Semaphore(2);
    const block = heapAllocate(8);
    const codes = await runAll(
      [1, 2, 3, 4].map(() => new P({ target: targets['boundedWork'], args: [sem, block, 200] })),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(words(block, 2)[1]).toBe(2);
    expect(sem.getValue()).toBe(2);
    sem.close();
    block.release();
  });

  it('BoundedSemaphore over-release in a child throws there', async () => {
    const sem = new BoundedSemaphore(1);
    const [code] = await runAll([new P({ target: targets['overRelease'], args: [sem] })]);
    expect(code).toBe(0);
    expect(sem.getValue()).toBe(1);
    sem.close();
  });

  it.each(['sync', 'async'])('Event ping-pong (%s waits): 500 round trips', async (mode) => {
    const ping = new Event();
    const pong = new Event();
    const child = new P({ target: targets['pong'], args: [ping, pong, 500, mode] });
    child.start();
    for (let i = 0; i < 500; i++) {
      ping.set();
      expect(await pong.wait(10_000)).toBe(true);
      pong.clear();
    }
    await child.join(10_000);
    expect(child.exitcode).toBe(0);
    ping.close();
    pong.close();
  });

  it('Event.set() wakes every waiting child', async () => {
    const event = new Event();
    const block = heapAllocate(8);
    const ps = [1, 2, 3, 4].map(
      (i) =>
        new P({ target: targets['waitEvent'], args: [event, block, i % 2 ? 'sync' : 'async'] }),
    );
    for (const p of ps) p.start();
    await sleep(300);
    event.set();
    await Promise.all(ps.map((p) => p.join(10_000)));
    expect(ps.map((p) => p.exitcode)).toEqual([0, 0, 0, 0]);
    expect(words(block, 1)[0]).toBe(4);
    event.close();
    block.release();
  });

  it('Condition: 4 consumers each take exactly one item as a producer notifies', async () => {
    const cond = new Condition();
    const block = heapAllocate(16);
    const w = words(block, 4);
    const ps = [1, 2, 3, 4].map(
      (i) => new P({ target: targets['consume'], args: [cond, block, i % 2 ? 'sync' : 'async'] }),
    );
    for (const p of ps) p.start();
    for (let i = 0; i < 4; i++) {
      await sleep(20);
      await cond.withLock(() => {
        w[0] = w[0]! + 1;
        cond.notify();
      });
    }
    await Promise.all(ps.map((p) => p.join(20_000)));
    expect(ps.map((p) => p.exitcode)).toEqual([0, 0, 0, 0]);
    expect([w[0], w[1]]).toEqual([0, 4]);
    cond.close();
    block.release();
  });

  it('Condition.notify(n) wakes at most n; notifyAll the rest', async () => {
    const cond = new Condition(new Lock());
    const block = heapAllocate(16);
    const w = words(block, 4);
    const ps = [1, 2, 3, 4].map(
      () => new P({ target: targets['waitOnce'], args: [cond, block, 20_000] }),
    );
    for (const p of ps) p.start();
    while (Atomics.load(w, 2) < 4) await sleep(10);
    await cond.withLock(() => cond.notify(2));
    await sleep(300);
    expect(Atomics.load(w, 3)).toBe(2);
    await cond.withLock(() => cond.notifyAll());
    await Promise.all(ps.map((p) => p.join(10_000)));
    expect(ps.map((p) => p.exitcode)).toEqual([0, 0, 0, 0]);
    expect(Atomics.load(w, 3)).toBe(4);
    cond.close();
    block.release();
  });

  it.each(['sync', 'async'])(
    'Barrier(3): 3 children × 5 rounds get indices 0, 1, 2 each round (%s)',
    async (mode) => {
      const barrier = new Barrier(3);
      const block = heapAllocate(8 * 5 * 4);
      const codes = await runAll(
        [1, 2, 3].map(() => new P({ target: targets['party'], args: [barrier, block, 5, mode] })),
      );
      expect(codes).toEqual([0, 0, 0]);
      const w = words(block, 40);
      for (let round = 0; round < 5; round++) {
        expect(Array.from(w.subarray(round * 8, round * 8 + 3))).toEqual([1, 1, 1]);
      }
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      barrier.close();
      block.release();
    },
  );

  it('Barrier: the action runs once per round, in one of the children', async () => {
    const barrier = new Barrier(3, { action: targets['countRounds'] as () => void });
    const block = heapAllocate(8);
    const codes = await runAll(
      [1, 2, 3].map(() => new P({ target: targets['partyWithAction'], args: [barrier, block, 4] })),
    );
    expect(codes).toEqual([0, 0, 0]);
    expect(words(block, 1)[0]).toBe(4);
    barrier.close();
    block.release();
  });

  it('Barrier.abort() makes waiting children reject with BrokenBarrierError', async () => {
    const barrier = new Barrier(3);
    const ps = [
      new P({ target: targets['partyBroken'], args: [barrier, 'sync'] }),
      new P({ target: targets['partyBroken'], args: [barrier, 'async'] }),
    ];
    for (const p of ps) p.start();
    while (barrier.nWaiting < 2) await sleep(10);
    barrier.abort();
    await Promise.all(ps.map((p) => p.join(10_000)));
    expect(ps.map((p) => p.exitcode)).toEqual([0, 0]);
    expect(barrier.broken).toBe(true);
    await expect(barrier.wait()).rejects.toBeInstanceOf(BrokenBarrierError);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    barrier.close();
  });
});

describe('waiters that die', () => {
  it('Condition: a waiter killed while waiting does not swallow a notification', async () => {
    const { Process: P } = getContext('spawn');
    const cond = new Condition();
    const block = heapAllocate(16);
    const w = words(block, 4);
    const doomed = new P({ target: targets['waitOnce'], args: [cond, block, 20_000] });
    doomed.start();
    while (Atomics.load(w, 2) < 1) await sleep(10);
    doomed.kill();
    await doomed.join(10_000);
    const survivor = new P({ target: targets['waitOnce'], args: [cond, block, 20_000] });
    survivor.start();
    while (Atomics.load(w, 2) < 2) await sleep(10);
    await cond.withLock(() => cond.notify(1)); // the dead waiter is older: it must be skipped
    await survivor.join(10_000);
    expect(survivor.exitcode).toBe(0);
    expect(Atomics.load(w, 3)).toBe(1);
    cond.close();
    block.release();
  });
});

describe('Event, Condition and Barrier in one process', () => {
  it('Event: wait returns false after at least the timeout, true once set', async () => {
    const event = new Event();
    expect(event.isSet()).toBe(false);
    let t0 = performance.now();
    expect(event.waitSync(40)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
    t0 = performance.now();
    expect(await event.wait(40)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
    event.set();
    expect(event.isSet()).toBe(true);
    expect(event.waitSync()).toBe(true);
    expect(await event.wait(0)).toBe(true);
    event.clear();
    expect(event.isSet()).toBe(false);
    expect(event.waitSync(0)).toBe(false);
    expect(await event.wait(-5)).toBe(false);
    await expect(event.wait(NaN)).rejects.toThrow(
      'timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
    );
    event.close();
  });

  it('Event: 2,000 concurrent async waits all resolve when it is set', async () => {
    const event = new Event();
    const waits = Array.from({ length: 2000 }, () => event.wait(10_000));
    await sleep(20);
    event.set();
    expect((await Promise.all(waits)).every((r) => r)).toBe(true);
    event.close();
  });

  it('Condition: wait needs the lock; waitFor times out with the predicate value', async () => {
    const cond = new Condition(new RLock());
    await expect(cond.wait()).rejects.toThrow("Condition.wait() needs the condition's lock held");
    expect(() => cond.notify()).toThrow("Condition.notify() needs the condition's lock held");
    cond.acquireSync();
    cond.acquireSync(); // RLock: wait releases both levels and restores them
    const t0 = performance.now();
    expect(await cond.waitFor(() => 0, 50)).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(cond.waitSync(10)).toBe(false);
    cond.release();
    cond.release();
    expect(cond.lock.locked()).toBe(false);
    expect(() => new Condition({} as never)).toThrow('lock must be a Lock or an RLock');
    cond.close();
  });

  it('Barrier: a timeout breaks it for every waiter; reset() mends it', async () => {
    const barrier = new Barrier(3, { timeout: 50 });
    const a = barrier.wait();
    const b = barrier.wait(5000);
    await expect(a).rejects.toBeInstanceOf(BrokenBarrierError);
    await expect(b).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(barrier.broken).toBe(true);
    barrier.reset();
    const all = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    expect(all.sort()).toEqual([0, 1, 2]);
    expect(barrier.parties).toBe(3);
    expect(() => new Barrier(0)).toThrow('parties must be a positive integer, got 0 (number)');
    barrier.close();
  });

  it('Barrier: an action that throws breaks the barrier', async () => {
    const barrier = new Barrier(2, {
      action: () => {
        throw new Error('action failed');
      },
    });
    const results = await Promise.allSettled([barrier.wait(), barrier.wait()]);
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'));
    expect(reasons.sort()).toEqual(['BrokenBarrierError', 'Error']);
    expect(barrier.broken).toBe(true);
    barrier.close();
  });
});
