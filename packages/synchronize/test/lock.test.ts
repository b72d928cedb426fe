// Lock and RLock: semantics in one process, exact results across real processes and threads,
// owner death (SIGKILL, terminated thread), and guards.
import { activeChildren, getContext } from '@multiproc/process';
import type { HeapBlock } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import { Event, Lock, RLock } from '@multiproc/synchronize';
import { guardLeftovers, runAll, shmNames, sleep } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

const word = (block: HeapBlock): number => new Int32Array(block.buffer, block.byteOffset, 1)[0]!;

guardLeftovers({ activeChildren, shmNames });

describe('Lock in one process', () => {
  it('acquires, refuses a second acquire, releases', async () => {
    const lock = new Lock();
    expect(lock.acquireSync()).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(lock.acquireSync({ block: false })).toBe(false);
    expect(await lock.acquire({ block: false })).toBe(false);
    expect(lock.acquireSync({ timeout: 0 })).toBe(false);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(await lock.acquire()).toBe(true);
    lock.release();
    lock.close();
  });

  it('returns false, never throws, after at least the timeout (sync and async)', async () => {
    const lock = new Lock();
    lock.acquireSync();
    let t0 = performance.now();
    expect(lock.acquireSync({ timeout: 60 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(60);
    t0 = performance.now();
    expect(await lock.acquire({ timeout: 60 })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(60);
    lock.release();
    lock.close();
  });

  it('throws when an unlocked Lock is released, as Python does', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow('release() of an unlocked Lock');
    lock.close();
  });

  it('an async waiter gets the lock when it is released, without blocking the event loop', async () => {
    const lock = new Lock();
    lock.acquireSync();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const waiting = lock.acquire();
    await sleep(60);
    lock.release();
    expect(await waiting).toBe(true);
    clearInterval(timer);
    // Timers ran while the acquire was pending (the sleep above is one); how many depends on load.
    expect(ticks).toBeGreaterThan(0);
    lock.release();
    lock.close();
  });

  it('serves 3,000 concurrent async acquires in one thread (beyond the native waiter limit)', async () => {
    const lock = new Lock();
    let inside = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 3000 }, () =>
        lock.withLock(async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside -= 1;
          done += 1;
        }),
      ),
    );
    expect([done, most, lock.locked()]).toEqual([3000, 1, false]);
    lock.close();
  });

  it('refuses bad options before waiting, naming them', async () => {
    const lock = new Lock();
    expect(() => lock.acquireSync({ timeout: NaN })).toThrow(
      'options.timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
    );
    expect(() => lock.acquireSync({ block: 'no' as never })).toThrow(
      'options.block must be a boolean, got "no" (string)',
    );
    await expect(lock.acquire(5 as never)).rejects.toThrow(TypeError);
    expect(lock.locked()).toBe(false);
    lock.close();
  });

  it('is unusable once closed, and close() is idempotent', async () => {
    const lock = new Lock();
    lock.close();
    lock.close();
    expect(lock.closed).toBe(true);
    expect(() => lock.acquireSync()).toThrow('Lock is closed');
    await expect(lock.acquire()).rejects.toThrow('Lock is closed');
  });

  it('the internal one-attempt acquire (the hot path of queues) answers as acquireSync({ block: false })', () => {
    const tryAcquire = (lock: Lock): boolean =>
      (lock as unknown as Record<symbol, () => boolean>)[Symbol.for('multiproc.tryAcquire')]!.call(
        lock,
      );
    const lock = new Lock();
    expect(tryAcquire(lock)).toBe(true);
    expect(tryAcquire(lock)).toBe(false);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    lock.close();
    expect(() => tryAcquire(lock)).toThrow('Lock is closed');
    const rlock = new RLock();
    expect(tryAcquire(rlock)).toBe(true);
    expect(tryAcquire(rlock)).toBe(true); // the owner again: recursion, through the slow path
    rlock.release();
    rlock.release();
    expect(rlock.locked()).toBe(false);
    rlock.close();
  });

  it('withLock, withLockSync and using blocks release even when the body throws', async () => {
    const lock = new Lock();
    await expect(
      lock.withLock(async () => {
        await sleep(1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lock.locked()).toBe(false);
    expect(() =>
      lock.withLockSync(() => {
        throw new Error('bang');
      }),
    ).toThrow('bang');
    expect(lock.locked()).toBe(false);
    expect(await lock.withLock(() => 42)).toBe(42);
    expect(() => {
      using _held = lock.holdSync();
      expect(lock.locked()).toBe(true);
      throw new Error('inside');
    }).toThrow('inside');
    expect(lock.locked()).toBe(false);
    await expect(
      (async () => {
        await using _held = await lock.hold();
        expect(lock.locked()).toBe(true);
        throw new Error('async inside');
      })(),
    ).rejects.toThrow('async inside');
    expect(lock.locked()).toBe(false);
    lock.acquireSync();
    expect(() => lock.holdSync({ timeout: 10 })).toThrow('Lock was not acquired within 10 ms');
    lock.release();
    lock.close();
  });
});

describe('RLock in one process', () => {
  it('lets its owner acquire again and needs one release per acquire', async () => {
    const lock = new RLock();
    expect(lock.acquireSync()).toBe(true);
    expect(await lock.acquire()).toBe(true);
    expect(lock.acquireSync({ block: false })).toBe(true);
    lock.release();
    lock.release();
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(() => lock.release()).toThrow('release() of an unlocked RLock');
    lock.close();
  });
});

describe.each(['spawn', 'thread'] as const)('Lock across 4 %s children', (method) => {
  const { Process: P } = getContext(method);

  it.each(['sync', 'async'])(
    '4 × 10,000 non-atomic increments under one Lock (%s form) total exactly 40,000',
    async (mode) => {
      const lock = new Lock();
      const counter = heapAllocate(8);
      const codes = await runAll(
        [1, 2, 3, 4].map(
          () => new P({ target: targets['increment'], args: [lock, counter, 10_000, mode] }),
        ),
      );
      expect(codes).toEqual([0, 0, 0, 0]);
      expect(word(counter)).toBe(40_000);
      counter.release();
      lock.close();
    },
  );

  it('RLock: recursive acquires in 4 children total exactly; a non-owner cannot release', async () => {
    const lock = new RLock();
    const counter = heapAllocate(8);
    const codes = await runAll(
      [1, 2, 3, 4].map(() => new P({ target: targets['recursive'], args: [lock, counter, 5000] })),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(word(counter)).toBe(20_000);
    lock.acquireSync();
    expect(await runAll([new P({ target: targets['releaseForeign'], args: [lock] })])).toEqual([0]);
    lock.release();
    counter.release();
    lock.close();
  });

  it('a Lock held here may be released by a child, as in Python', async () => {
    const lock = new Lock();
    lock.acquireSync();
    expect(await runAll([new P({ target: targets['releaseOther'], args: [lock] })])).toEqual([0]);
    expect(lock.locked()).toBe(false);
    lock.close();
  });

  it('a child killed while holding the lock does not deadlock the others: lastOwnerDied', async () => {
    const lock = new Lock();
    const held = new Event();
    const child = new P({ target: targets['holdForever'], args: [lock, held] });
    child.start();
    expect(await held.wait(20_000)).toBe(true);
    expect(lock.acquireSync({ block: false })).toBe(false);
    child.kill();
    await child.join(10_000);
    const t0 = performance.now();
    expect(await lock.acquire({ timeout: 5000 })).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(lock.lastOwnerDied).toBe(true);
    lock.release();
    expect(lock.acquireSync()).toBe(true);
    expect(lock.lastOwnerDied).toBe(false);
    lock.release();
    held.close();
    lock.close();
  });

  it('the internal one-attempt acquire takes a lock over from a killed owner, with lastOwnerDied', async () => {
    const tryAcquire = (l: Lock): boolean =>
      (l as unknown as Record<symbol, () => boolean>)[Symbol.for('multiproc.tryAcquire')]!.call(l);
    const lock = new Lock();
    const held = new Event();
    const child = new P({ target: targets['holdForever'], args: [lock, held] });
    child.start();
    expect(await held.wait(20_000)).toBe(true);
    expect(tryAcquire(lock)).toBe(false);
    child.kill();
    await child.join(10_000);
    expect(tryAcquire(lock)).toBe(true);
    expect(lock.lastOwnerDied).toBe(true);
    lock.release();
    expect(tryAcquire(lock)).toBe(true);
    expect(lock.lastOwnerDied).toBe(false);
    lock.release();
    held.close();
    lock.close();
  });
});

describe('owner death of a thread in a living process', () => {
  it('a thread-context child that ends holding a lock is detected by its thread id', async () => {
    const lock = new RLock();
    const { Process: T } = getContext('thread');
    expect(await runAll([new T({ target: targets['acquireAndExit'], args: [lock] })])).toEqual([0]);
    // The pid is ours and alive; the owner was the worker's thread, which is gone.
    expect(lock.acquireSync({ block: false })).toBe(true);
    expect(lock.lastOwnerDied).toBe(true);
    lock.release();
    lock.close();
  });
});

describe('a mix of processes and threads', () => {
  it('2 spawn children and 2 thread children share one Lock exactly', async () => {
    const lock = new Lock();
    const counter = heapAllocate(8);
    const { Process: S } = getContext('spawn');
    const { Process: T } = getContext('thread');
    const codes = await runAll([
      new S({ target: targets['increment'], args: [lock, counter, 10_000, 'sync'] }),
      new T({ target: targets['increment'], args: [lock, counter, 10_000, 'async'] }),
      new S({ target: targets['increment'], args: [lock, counter, 10_000, 'async'] }),
      new T({ target: targets['increment'], args: [lock, counter, 10_000, 'sync'] }),
    ]);
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(word(counter)).toBe(40_000);
    counter.release();
    lock.close();
  });

  it('keeps working after the creating object is closed: children still exclude each other', async () => {
    const lock = new Lock();
    const counter = heapAllocate(8);
    const { Process: S } = getContext('spawn');
    const ps = [1, 2, 3].map(
      () => new S({ target: targets['increment'], args: [lock, counter, 5000, 'sync'] }),
    );
    for (const p of ps) p.start();
    lock.close(); // the creator lets go at once; the children hold their own references
    await Promise.all(ps.map((p) => p.join(30_000)));
    expect(ps.map((p) => p.exitcode)).toEqual([0, 0, 0]);
    expect(word(counter)).toBe(15_000);
    counter.release();
  });
});
