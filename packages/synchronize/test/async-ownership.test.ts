// An RLock (and a Condition over one) is owned by the async chain that acquired it: re-entry
// within the chain succeeds, another chain of the same thread waits as another process would.
import { Condition, Lock, RLock } from '@multiproc/synchronize';
import { guardLeftovers, shmNames, sleep } from './helpers.js';

guardLeftovers({ shmNames });

describe('RLock under async code in one thread', () => {
  it('3 tasks × 20 read-sleep-write sections under withLock lose no update', async () => {
    const lock = new RLock();
    let value = 0;
    let inside = 0;
    let most = 0;
    const task = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        await lock.withLock(async () => {
          most = Math.max(most, ++inside);
          const x = value;
          await sleep(1);
          value = x + 1;
          inside--;
        });
      }
    };
    await Promise.all([task(), task(), task()]);
    expect(value).toBe(60);
    expect(most).toBe(1);
    expect(lock.locked()).toBe(false);
    lock.close();
  }, 20_000);

  it('re-enters within one chain, across awaits, with every form of acquire', async () => {
    const lock = new RLock();
    const order: string[] = [];
    await lock.withLock(async () => {
      await sleep(1);
      await lock.withLock(async () => {
        await sleep(1);
        expect(lock.acquireSync()).toBe(true);
        expect(await lock.acquire({ block: false })).toBe(true);
        lock.release();
        lock.release();
        order.push('inner');
      });
      lock.withLockSync(() => order.push('sync'));
    });
    expect(order).toEqual(['inner', 'sync']);
    expect(lock.locked()).toBe(false);
    lock.close();
  });

  it('another chain waits for the holder, then gets the lock', async () => {
    const lock = new RLock();
    const order: string[] = [];
    let releaseHolder!: () => void;
    const holding = new Promise<void>((resolve) => (releaseHolder = resolve));
    const holder = lock.withLock(async () => {
      order.push('A in');
      await holding;
      order.push('A out');
    });
    await sleep(5);
    const other = lock.withLock(async () => {
      order.push('B in');
      expect(await lock.acquire({ block: false })).toBe(true); // B's own re-entry
      lock.release();
    });
    await sleep(30);
    expect(order).toEqual(['A in']);
    releaseHolder();
    await Promise.all([holder, other]);
    expect(order).toEqual(['A in', 'A out', 'B in']);
    expect(lock.locked()).toBe(false);
    lock.close();
  }, 10_000);

  it('another chain cannot take, wait for (sync) or release a lock its thread holds elsewhere', async () => {
    const lock = new RLock();
    const scope = new RLock(); // its withLock starts a chain of its own
    let releaseHolder!: () => void;
    const holding = new Promise<void>((resolve) => (releaseHolder = resolve));
    const holder = lock.withLock(() => holding);
    await sleep(1);
    const seen = await scope.withLock(() => {
      const out: unknown[] = [lock.acquireSync({ block: false })];
      const t0 = performance.now();
      out.push(lock.acquireSync({ timeout: 10_000 }));
      out.push(performance.now() - t0 < 5_000);
      for (const attempt of [() => lock.acquireSync(), () => lock.release()]) {
        try {
          attempt();
        } catch (error) {
          out.push((error as { code?: string }).code, (error as Error).message);
        }
      }
      return out;
    });
    expect(seen).toEqual([
      false,
      false,
      true,
      'ERR_MP_DEADLOCK',
      'acquireSync() of an RLock held by another async chain of this thread would wait forever: ' +
        'only this thread can release it (use await acquire())',
      'ERR_MP_NOT_OWNER',
      'release() of an RLock owned by another async chain of this thread',
    ]);
    releaseHolder();
    await holder;
    expect(lock.locked()).toBe(false);
    lock.close();
    scope.close();
  });

  it('a plain Lock is unchanged: not re-entrant in any chain', async () => {
    const lock = new Lock();
    await lock.withLock(async () => {
      expect(await lock.acquire({ block: false })).toBe(false);
    });
    lock.close();
  });
});

describe('Condition under async code in one thread', () => {
  it('two tasks each doing withLock(() => wait(50)) both time out cleanly', async () => {
    const cond = new Condition();
    const results = await Promise.all([
      cond.withLock(() => cond.wait(50)),
      cond.withLock(() => cond.wait(50)),
    ]);
    expect(results).toEqual([false, false]);
    expect(cond.lock.locked()).toBe(false);
    cond.close();
  }, 10_000);

  it('a notify from another chain wakes a waiting chain', async () => {
    const cond = new Condition();
    let ready = false;
    const consumer = cond.withLock(() => cond.waitFor(() => ready, 5_000));
    await sleep(10);
    await cond.withLock(() => {
      ready = true;
      cond.notify();
    });
    expect(await consumer).toBe(true);
    cond.close();
  }, 10_000);
});
