import {
  AsyncResult,
  Pool,
  ProcessError,
  ThreadPool,
  TimeoutError,
  taskRef,
} from '@multiproc/pool';
import { getContext } from '@multiproc/process';
import { RemoteError } from '@multiproc/serialize';
import { expectNoChildren, lines, settle, tasks, tempDir } from './helpers.js';

const fixtures = require.resolve('./fixtures/tasks.cjs');

describe.each(['spawn', 'thread'] as const)('Pool with %s workers', (method) => {
  let pool: Pool;
  beforeAll(() => {
    pool =
      method === 'thread'
        ? new ThreadPool(2)
        : new Pool({ processes: 2, context: getContext('spawn') });
  });
  afterAll(async () => {
    pool.close();
    await pool.join();
    expect(pool.state).toBe('closed');
    await expectNoChildren();
  });

  describe('apply and applyAsync', () => {
    it('runs the function in a worker and resolves with its result', async () => {
      expect(await pool.apply(tasks.add, [2, 3])).toBe(5);
      const where = await pool.apply(tasks.whoami);
      if (method === 'spawn') expect(where.pid).not.toBe(process.pid);
      else {
        expect(where.pid).toBe(process.pid);
        expect(where.threadId).toBeGreaterThan(0);
      }
      expect(where.name).toMatch(
        method === 'spawn' ? /^PoolWorker-\d+$/ : /^ThreadPoolWorker-\d+$/,
      );
    });

    it('awaits a task that returns a promise', async () => {
      expect(await pool.apply(tasks.sleep, [5, 'later'])).toBe('later');
      expect(await pool.apply(tasks.asyncSquare, [9])).toBe(81);
    });

    it('sends a self-contained function by source and a taskRef by name', async () => {
      expect(await pool.apply((a: number, b: number) => a * b + 1, [6, 7])).toBe(43);
      expect(await pool.apply(taskRef(fixtures, 'square'), [12])).toBe(144);
    });

    it('round-trips rich values: Map, Set, Date, BigInt, typed arrays, undefined, -0', async () => {
      const value = {
        m: new Map<unknown, unknown>([
          [1, 'one'],
          ['k', [true, null]],
        ]),
        s: new Set(['a', 'b']),
        d: new Date(86_400_000),
        big: 2n ** 70n,
        bytes: new Uint8Array([1, 2, 3]),
        floats: new Float32Array([0.5, -1.5]),
        u: undefined,
        negZero: -0,
      };
      const back = await pool.apply(tasks.identity, [value]);
      expect(back).toEqual(value);
      expect(Object.is((back as typeof value).negZero, -0)).toBe(true);
      expect(Object.is(await pool.apply(tasks.identity, [-0]), -0)).toBe(true);
    });

    it('gives an AsyncResult with get, wait, ready, successful and callbacks', async () => {
      const seen: unknown[] = [];
      const result = pool.applyAsync(tasks.sleep, [600, 'done'], {
        callback: (v) => seen.push(['ok', v]),
        errorCallback: (e) => seen.push(['error', e]),
      });
      expect(result).toBeInstanceOf(AsyncResult);
      expect(result.ready()).toBe(false);
      expect(() => result.successful()).toThrow(
        'the result is not ready yet; call successful() once ready() is true',
      );
      const early = await settle(result.get(10));
      expect(early.ok).toBe(false);
      expect(!early.ok && early.error).toBeInstanceOf(TimeoutError);
      expect(!early.ok && early.error.message).toBe('the result was not ready within 10 ms');
      const zero = await settle(result.get(0));
      expect(!zero.ok && zero.error.name).toBe('TimeoutError');
      await result.wait(5); // times out quietly
      expect(result.ready()).toBe(false);
      await result.wait();
      expect(result.ready()).toBe(true);
      expect(result.successful()).toBe(true);
      expect(await result.get()).toBe('done');
      expect(await result.get(0)).toBe('done');
      expect(seen).toEqual([['ok', 'done']]);

      const failing = pool.applyAsync(tasks.failAt, [5], {
        callback: (v) => seen.push(['ok', v]),
        errorCallback: (e) => seen.push(['error', (e as Error).message]),
      });
      await failing.wait();
      expect(failing.successful()).toBe(false);
      const outcome = await settle(failing.get());
      expect(!outcome.ok && outcome.error).toBeInstanceOf(RangeError);
      expect(seen).toEqual([
        ['ok', 'done'],
        ['error', 'bad item 5'],
      ]);
    });
  });

  describe('errors raised in tasks', () => {
    it('arrive as the same built-in class, with the remote stack', async () => {
      const outcome = await settle(pool.apply(tasks.failAt, [5]));
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error).toBeInstanceOf(RangeError);
      expect(outcome.error.message).toBe('bad item 5');
      expect(outcome.error.stack).toMatch(
        /^RangeError: bad item 5\n--- remote stack ---\nRangeError: bad item 5\n\s+at failAt \(.*tasks\.cjs:\d+:\d+\)/,
      );
    });

    it('of an exported class arrive as that class, with their name, code, properties and cause', async () => {
      const outcome = await settle(pool.apply(tasks.throwCustom));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(tasks.QuotaError);
      expect(outcome.error).not.toBeInstanceOf(RemoteError);
      expect(outcome.error.name).toBe('QuotaError');
      expect(outcome.error.message).toBe('over quota');
      expect(outcome.error.code).toBe('E_QUOTA');
      expect(outcome.error.limit).toBe(3);
      const nested = await settle(pool.apply(tasks.throwWithCause));
      if (nested.ok) throw new Error('expected a rejection');
      expect(nested.error).toBeInstanceOf(TypeError);
      expect(nested.error.cause).toBeInstanceOf(RangeError);
      expect((nested.error.cause as Error).message).toBe('inner');
    });

    it('leave the pool usable', async () => {
      await settle(pool.apply(tasks.failAt, [5]));
      expect(await pool.apply(tasks.square, [4])).toBe(16);
    });

    it('name a result that cannot be sent back', async () => {
      const outcome = await settle(pool.apply(tasks.returnsFunction));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(TypeError);
      expect(outcome.error.message).toMatch(
        /^result\.handler is a function and cannot be sent: functions \(here handler\) travel only as targets or tasks/,
      );
    });
  });

  describe('map and starmap', () => {
    it('maps in order, plain numbers and other values alike', async () => {
      const xs = Array.from({ length: 1000 }, (_, i) => i);
      expect(await pool.map(tasks.square, xs)).toEqual(xs.map((x) => x * x));
      expect(await pool.map(tasks.describe, [1, 'a', null, true, 2.5])).toEqual([
        'number:1',
        'string:a',
        'object:null',
        'boolean:true',
        'number:2.5',
      ]);
      // Numbers in, strings out: the float64 fast path falls back per chunk.
      expect(await pool.map(tasks.describe, [1, 2, 3], { chunksize: 2 })).toEqual([
        'number:1',
        'number:2',
        'number:3',
      ]);
      const special = await pool.map(tasks.identity, [
        -0,
        NaN,
        Infinity,
        -Infinity,
        2 ** 53,
        1e-300,
      ]);
      expect(Object.is(special[0], -0)).toBe(true);
      expect(special.slice(1)).toEqual([NaN, Infinity, -Infinity, 2 ** 53, 1e-300]);
    });

    it('puts float64 chunks and chunks of other values of one call into one array', async () => {
      // Chunks of numbers travel and come back as float64s, the others as values, finished in
      // whatever order: the result array takes both kinds, the first kind to arrive either way.
      const items = Array.from({ length: 400 }, (_, i) => (i % 100 === 95 ? `s${i}` : i + 0.25));
      expect(await pool.map(tasks.identity, items, { chunksize: 10 })).toEqual(items);
      const reversed = [...items].reverse();
      expect(await pool.map(tasks.identity, reversed, { chunksize: 10 })).toEqual(reversed);
      const one = await pool.map(tasks.square, [3]);
      expect(one).toEqual([9]);
    });

    it('takes any iterable or async iterable, and an empty one', async () => {
      function* gen(): Generator<number> {
        for (let i = 1; i <= 4; i++) yield i;
      }
      async function* agen(): AsyncGenerator<number> {
        for (let i = 1; i <= 4; i++) {
          await new Promise((r) => setTimeout(r, 1));
          yield i;
        }
      }
      expect(await pool.map(tasks.square, gen())).toEqual([1, 4, 9, 16]);
      expect(await pool.map(tasks.square, new Set([3, 4]))).toEqual([9, 16]);
      expect(await pool.map(tasks.square, agen())).toEqual([1, 4, 9, 16]);
      expect(await pool.map(tasks.square, [])).toEqual([]);
      expect(await pool.mapAsync(tasks.square, []).get()).toEqual([]);
    });

    it('cuts items into chunks of chunksize, by default ⌈n / (4 × processes)⌉', async () => {
      // maxtasksperchild 1: each chunk runs in a fresh worker, so worker names mark chunk edges.
      const recycling =
        method === 'thread'
          ? new ThreadPool({ processes: 2, maxtasksperchild: 1 })
          : new Pool({ processes: 2, maxtasksperchild: 1 });
      try {
        const groups = (tagged: string[]): number[] => {
          const sizes: number[] = [];
          let last = '';
          for (const t of tagged) {
            const name = t.split(':')[0] as string;
            if (name === last) sizes[sizes.length - 1]! += 1;
            else sizes.push(1);
            last = name;
          }
          return sizes;
        };
        const items = Array.from({ length: 17 }, (_, i) => i);
        const byDefault = await recycling.map(tasks.tagged, items); // ⌈17 / 8⌉ = 3
        expect(byDefault.map((t) => Number(t.split(':')[1]))).toEqual(items);
        expect(groups(byDefault)).toEqual([3, 3, 3, 3, 3, 2]);
        expect(groups(await recycling.map(tasks.tagged, items, { chunksize: 5 }))).toEqual([
          5, 5, 5, 2,
        ]);
      } finally {
        recycling.terminate();
        await recycling.join();
      }
    });

    it('fails with the first error and stays usable', async () => {
      const outcome = await settle(pool.map(tasks.failAt, [1, 2, 3, 4, 5, 6, 7], { chunksize: 2 }));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(RangeError);
      expect(outcome.error.message).toBe('bad item 5');
      expect(await pool.map(tasks.failAt, [1, 2])).toEqual([10, 20]);
    });

    it('mapAsync settles an AsyncResult and calls back', async () => {
      const seen: unknown[] = [];
      const result = pool.mapAsync(tasks.square, [1, 2, 3], { callback: (rs) => seen.push(rs) });
      expect(await result.get(10_000)).toEqual([1, 4, 9]);
      expect(seen).toEqual([[1, 4, 9]]);
      const failed = pool.mapAsync(tasks.failAt, [4, 5], {
        errorCallback: (e) => seen.push((e as Error).message),
      });
      await failed.wait();
      expect(failed.successful()).toBe(false);
      expect(seen).toEqual([[1, 4, 9], 'bad item 5']);
    });

    describe('calls the function exactly once per item', () => {
      const tmp = tempDir();
      afterAll(() => tmp.cleanup());
      const xs = Array.from({ length: 10 }, (_, x) => x);
      const calls = (file: string) => lines(file).map(Number);

      it('when it is async', async () => {
        const file = tmp.file(`async-${method}`);
        const results = await pool.map(
          tasks.countedAsync,
          xs.map((x) => ({ file, x })),
          { chunksize: 4 },
        );
        expect(results).toEqual(xs.map((x) => x * x));
        expect(calls(file).sort((a, b) => a - b)).toEqual(xs);
      });

      it('when it returns numbers, then strings', async () => {
        const file = tmp.file(`mixed-${method}`);
        const results = await pool.map(
          tasks.countedMixed,
          xs.map((x) => ({ file, x })),
          { chunksize: 4 },
        );
        expect(results).toEqual(xs.map((x) => (x % 3 === 2 ? `s${x}` : x)));
        expect(calls(file).sort((a, b) => a - b)).toEqual(xs);
      });

      it('when it returns numbers, then throws', async () => {
        const file = tmp.file(`throws-${method}`);
        const outcome = await settle(
          pool.map(
            tasks.countedThrowAt,
            xs.map((x) => ({ file, x, at: 6 })),
            { chunksize: xs.length },
          ),
        );
        if (outcome.ok) throw new Error('expected a rejection');
        expect(outcome.error).toBeInstanceOf(RangeError);
        expect(outcome.error.message).toBe('bad item 6');
        expect(calls(file)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      });
    });

    it('starmap unpacks each item as arguments', async () => {
      expect(await pool.starmap(tasks.add, [[1, 2], [3, 4], new Set([5, 6])])).toEqual([3, 7, 11]);
      expect(await pool.starmapAsync(tasks.add, [['a', 'b']]).get()).toEqual(['ab']);
    });
  });

  describe('imap and imapUnordered', () => {
    it('yields results in order (imap) or as they finish (imapUnordered)', async () => {
      const ordered: number[] = [];
      for await (const y of pool.imap(tasks.square, [1, 2, 3, 4, 5])) ordered.push(y);
      expect(ordered).toEqual([1, 4, 9, 16, 25]);
      const chunked: number[] = [];
      for await (const y of pool.imap(tasks.square, [1, 2, 3, 4, 5], { chunksize: 2 }))
        chunked.push(y);
      expect(chunked).toEqual([1, 4, 9, 16, 25]);
      // A slow first item finishes last when unordered.
      const unordered: number[] = [];
      for await (const v of pool.imapUnordered(tasks.delayed, [600, 1, 2, 3])) unordered.push(v);
      expect([...unordered].sort((a, b) => a - b)).toEqual([1, 2, 3, 600]);
      expect(unordered[unordered.length - 1]).toBe(600);
    });

    it('rejects next() at a failing item and goes on, as Python does', async () => {
      const it = pool.imap(tasks.failAt, [3, 4, 5, 6]);
      const outcomes: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const step = await settle(it.next());
        outcomes.push(step.ok ? step.value : `${step.error.name}: ${step.error.message}`);
      }
      expect(outcomes).toEqual([
        { done: false, value: 30 },
        { done: false, value: 40 },
        'RangeError: bad item 5',
        { done: false, value: 60 },
        { done: true, value: undefined },
      ]);
    });

    it('next(timeout) rejects with TimeoutError and keeps the value for the next call', async () => {
      const slow = pool.imap(tasks.delayed, [200]);
      const early = await settle(slow.next(20));
      expect(!early.ok && early.error).toBeInstanceOf(TimeoutError);
      expect(!early.ok && early.error.message).toBe('no result of pool.imap() within 20 ms');
      expect(await slow.next(5000)).toEqual({ done: false, value: 200 });
      expect(await slow.next()).toEqual({ done: true, value: undefined });
    });
  });

  it('refuses new work after close() with a ProcessError', async () => {
    const other = method === 'thread' ? new ThreadPool(1) : new Pool(1);
    expect(await other.apply(tasks.square, [3])).toBe(9);
    other.close();
    const outcome = await settle(other.apply(tasks.square, [3]));
    expect(!outcome.ok && outcome.error).toBeInstanceOf(ProcessError);
    expect(!outcome.ok && outcome.error.message).toBe(
      'the pool is closed: no new tasks can be submitted',
    );
    expect(() => other.applyAsync(tasks.square, [3])).toThrow('the pool is closed');
    expect(() => other.imap(tasks.square, [3])).toThrow('the pool is closed');
    await other.join();
  });
});
