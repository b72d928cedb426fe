import { Pool, ThreadPool } from '@multiproc/pool';
import { Process } from '@multiproc/process';
import { Empty, TimeoutError } from '@multiproc/serialize';
import { Manager, type ListProxy, type SyncManager } from '@multiproc/managers';
import { expectNoChildren, rejection, targets } from './helpers.js';

describe('SyncManager types', () => {
  let manager: SyncManager;
  beforeAll(async () => {
    manager = await Manager();
  });
  afterAll(async () => {
    await manager.shutdown();
    await expectNoChildren();
  });

  it('a dict and a list changed in a child are seen changed here (the docs example)', async () => {
    const d = await manager.dict();
    const l = await manager.list(Array.from({ length: 10 }, (_, i) => i));
    const p = new Process({ target: targets.mutate, args: [d, l] });
    p.start();
    await p.join();
    expect(p.exitcode).toBe(0);
    expect(await d.copy()).toEqual(
      new Map<unknown, unknown>([
        [1, '1'],
        ['2', 2],
        [0.25, null],
      ]),
    );
    expect(await l.copy()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('a dict proxy has the whole Map-like API', async () => {
    const d = await manager.dict<unknown, unknown>([
      ['a', 1],
      [2, 'two'],
    ]);
    expect(await d.get('a')).toBe(1);
    expect(await d.get('missing')).toBeUndefined();
    await d.set('2', 'string two');
    expect(await d.has(2)).toBe(true);
    expect(await d.size()).toBe(3);
    expect(await d.keys()).toEqual(['a', 2, '2']);
    expect(await d.values()).toEqual([1, 'two', 'string two']);
    expect(await d.entries()).toEqual([
      ['a', 1],
      [2, 'two'],
      ['2', 'string two'],
    ]);
    expect(await d.delete('2')).toBe(true);
    expect(await d.delete('2')).toBe(false);
    await d.update({ b: 2 });
    await d.update(new Map([['c', 3]]));
    expect(await d.pop('c')).toBe(3);
    expect(await d.pop('c', 'fallback')).toBe('fallback');
    const missing = await rejection(d.pop('c'));
    expect(missing).toBeInstanceOf(RangeError);
    expect(missing.message).toBe('dict has no key "c" (string)');
    expect(await d.setdefault('e', 5)).toBe(5);
    expect(await d.setdefault('e', 6)).toBe(5);
    expect(await d.copy()).toEqual(
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'two'],
        ['b', 2],
        ['e', 5],
      ]),
    );
    await d.clear();
    expect(await d.size()).toBe(0);
    expect(await (await manager.dict({ x: 1 })).copy()).toEqual(new Map([['x', 1]]));
  });

  it('a list proxy has Python list methods', async () => {
    const l = await manager.list([3, 1, 2]);
    await l.append(4);
    await l.extend([5, 6]);
    await l.insert(0, 0);
    expect(await l.copy()).toEqual([0, 3, 1, 2, 4, 5, 6]);
    expect(await l.get(-1)).toBe(6);
    await l.set(-1, 60);
    expect(await l.pop()).toBe(60);
    expect(await l.pop(0)).toBe(0);
    await l.remove(1);
    expect(await l.index(4)).toBe(2);
    await l.append(3);
    expect(await l.count(3)).toBe(2);
    await l.sort();
    expect(await l.copy()).toEqual([2, 3, 3, 4, 5]);
    await l.sort({ reverse: true });
    expect(await l.slice(1, 3)).toEqual([4, 3]);
    await l.reverse();
    expect(await l.length()).toBe(5);
    expect(await l.copy()).toEqual([2, 3, 3, 4, 5]);
    const out = await rejection(l.get(5));
    expect(out.message).toBe('list index 5 out of range (length 5)');
    expect((await rejection(l.remove(42))).message).toBe(
      'list.remove(x): 42 (number) is not in the list',
    );
  });

  it('set, Namespace, Value and Array proxies', async () => {
    const s = await manager.set([1, 2]);
    await s.add(3);
    expect(await s.has(3)).toBe(true);
    expect(await s.delete(1)).toBe(true);
    expect(await s.copy()).toEqual(new Set([2, 3]));
    const ns = await manager.Namespace();
    await ns.set('x', 10);
    expect(await ns.get('x')).toBe(10);
    expect((await rejection(ns.get('y'))).message).toBe("Namespace has no attribute 'y'");
    expect(await ns.copy()).toEqual({ x: 10 });
    const v = await manager.Value('i', 7);
    await v.set(8);
    expect(await v.get()).toBe(8);
    const big = await manager.Value<bigint>('q', 1n);
    expect(await big.get()).toBe(1n);
    const a = await manager.Array('d', [1.5, 2.5]);
    await a.set(1, 3.5);
    expect(await a.copy()).toEqual([1.5, 3.5]);
    expect(await a.length()).toBe(2);
    const bad = await rejection(manager.Value('z', 1));
    expect(bad.message).toBe(
      'Value typecode must be one of b B c h H i I l L q Q f d, got "z" (string)',
    );
  });

  it('queues: FIFO, Empty after a timeout, taskDone and join', async () => {
    const q = await manager.Queue<number>();
    await q.put(1);
    await q.put(2);
    expect(await q.qsize()).toBe(2);
    expect(await q.get()).toBe(1);
    expect(await q.get()).toBe(2);
    const empty = await rejection(q.get({ timeout: 30 }));
    expect(empty).toBeInstanceOf(Empty);
    // The getter that gave up took nothing: the next item goes to the next getter.
    await q.put(3);
    expect(await q.getNowait()).toBe(3);
    const jq = await manager.JoinableQueue<string>();
    await jq.put('a');
    const joined = jq.join();
    expect(await jq.get()).toBe('a');
    await jq.taskDone();
    await joined;
  });

  it('locks, semaphores, a condition, an event and a barrier', async () => {
    const lock = await manager.Lock();
    expect(await lock.acquire()).toBe(true);
    expect(await lock.acquire({ timeout: 20 })).toBe(false);
    await lock.release();
    const rlock = await manager.RLock();
    expect(await rlock.acquire()).toBe(true);
    expect(await rlock.acquire()).toBe(true);
    await rlock.release();
    await rlock.release();
    const sem = await manager.BoundedSemaphore(1);
    expect(await sem.acquire({ block: false })).toBe(true);
    expect(await sem.acquire({ block: false })).toBe(false);
    await sem.release();
    expect((await rejection(sem.release())).message).toBe(
      'BoundedSemaphore released too many times',
    );
    expect(await (await manager.Semaphore(3)).getValue()).toBe(3);
    const event = await manager.Event();
    expect(await event.wait(10)).toBe(false);
    const waiting = event.wait();
    await event.set();
    expect(await waiting).toBe(true);
    const cond = await manager.Condition();
    await cond.acquire();
    expect(await cond.wait(10)).toBe(false);
    await cond.release();
    const barrier = await manager.Barrier(2);
    expect((await Promise.all([barrier.wait(), barrier.wait()])).sort()).toEqual([0, 1]);
    expect(await barrier.parties()).toBe(2);
  });

  it('a Value and a Lock shared by three processes count exactly', async () => {
    const value = await manager.Value('i', 0);
    const lock = await manager.Lock();
    const ps = [0, 1, 2].map(
      () => new Process({ target: targets.addUnderLock, args: [value, lock, 20] }),
    );
    ps.forEach((p) => p.start());
    await Promise.all(ps.map((p) => p.join()));
    expect(ps.map((p) => p.exitcode)).toEqual([0, 0, 0]);
    expect(await value.get()).toBe(60);
  });

  it('a Pool in the manager maps an exported function', async () => {
    const pool = await manager.Pool(2);
    expect(await pool.map(targets.square, [1, 2, 3, 4])).toEqual([1, 4, 9, 16]);
    expect(await pool.apply(targets.square, [7])).toBe(49);
    pool.dispose();
  });

  it('proxies travel as Pool task arguments, to processes and to threads', async () => {
    const d = await manager.dict<number, number>();
    for (const pool of [new Pool(2), new ThreadPool(2)]) {
      try {
        const ks = [1, 2, 3, 4, 5, 6];
        expect(
          await pool.starmap(
            targets.setSquare,
            ks.map((k) => [d, k] as const),
          ),
        ).toEqual(ks);
      } finally {
        pool.terminate();
        await pool.join();
      }
    }
    expect([...(await d.copy())].sort((a, b) => a[0] - b[0])).toEqual(
      [1, 2, 3, 4, 5, 6].map((k) => [k, k * k]),
    );
  });

  it('a proxy stored in a dict comes back as a working proxy', async () => {
    const outer = await manager.dict();
    const inner = await manager.list(['x']);
    await outer.set('inner', inner);
    inner.dispose();
    const back = (await outer.get('inner')) as Awaited<ReturnType<SyncManager['list']>>;
    await back.append('y');
    expect(await back.copy()).toEqual(['x', 'y']);
  });

  it('a proxy reaches a third process through a queue after its sender dropped it', async () => {
    const q = await manager.Queue();
    const results = await manager.dict();
    const d = await manager.dict({ made: 'here' });
    await q.put(d);
    d.dispose();
    const p = new Process({ target: targets.useFromQueue, args: [q, results] });
    p.start();
    await p.join();
    expect(p.exitcode).toBe(0);
    expect(await results.get('copy')).toEqual(
      new Map([
        ['made', 'here'],
        ['from', 'third process'],
      ]),
    );
  });

  it('calls made in one tick go out together and are answered in order, proxies included', async () => {
    const d = await manager.dict();
    const inner = await manager.list([7]);
    // Plain calls are written as one frame; the call carrying a proxy goes alone, in its place.
    const results = await Promise.all(
      [
        d.set('a', 1),
        d.get('a'),
        d.set('p', inner),
        d.set('a', 2),
        d.get('a'),
        d.pop('missing', 'fallback'),
        d.get('p'),
        d.size(),
        d.pop('nothing'),
      ].map((p) =>
        p.then(
          (v) => v,
          (e: Error) => e.message,
        ),
      ),
    );
    expect(results.slice(0, 6)).toEqual([undefined, 1, undefined, undefined, 2, 'fallback']);
    expect(await (results[6] as ListProxy<number>).copy()).toEqual([7]);
    expect(results.slice(7)).toEqual([2, 'dict has no key "nothing" (string)']);
    (results[6] as ListProxy<number>).dispose();
    inner.dispose();
    d.dispose();
  });

  it('every call takes a last { timeout }', async () => {
    const q = await manager.Queue();
    const error = await rejection(q.callMethod('get', [], { timeout: 40 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe('Queue.get() did not finish within 40 ms');
    // The call that timed out gave up its place: this item is not lost to it.
    await q.put('kept');
    expect(await q.get()).toBe('kept');
    const bad = await rejection(
      q.callMethod('qsize', [], { timeout: 'soon' as unknown as number }),
    );
    expect(bad.message).toBe(
      'options.timeout must be a number of milliseconds, got "soon" (string)',
    );
  });
});
