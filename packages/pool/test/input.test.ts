import { availableParallelism } from 'node:os';
import { Pool, ThreadPool } from '@multiproc/pool';
import { getContext } from '@multiproc/process';
import { expectNoChildren, settle, tasks } from './helpers.js';

// Bad input is refused with a TypeError naming the argument, the expectation and what was
// received, before any worker starts or anything is sent.
describe('input checks', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool(2);
  });
  afterAll(async () => {
    // Nothing was ever sent: the pool never started a worker.
    expect(pool.workers()).toEqual([]);
    pool.close();
    await pool.join();
    await expectNoChildren();
  });

  it('takes null, a number, or an options object', async () => {
    const pools = [new Pool(null), new Pool(3), new Pool({ processes: null as never })];
    expect(pools.map((p) => p.processes)).toEqual([
      availableParallelism(),
      3,
      availableParallelism(),
    ]);
    for (const p of pools) {
      p.close();
      await p.join();
    }
  });

  it('refuses bad pool options', () => {
    expect(() => new Pool(0)).toThrow(
      'options.processes must be a positive integer, got 0 (number)',
    );
    expect(() => new Pool({ processes: 1.5 })).toThrow(
      'options.processes must be a positive integer, got 1.5 (number)',
    );
    expect(() => new Pool('4' as never)).toThrow(
      'options must be an object or a number of processes, got "4" (string)',
    );
    expect(() => new Pool({ procesess: 2 } as never)).toThrow(
      'options.procesess is not an option of Pool; the options are processes, initializer, initargs, maxtasksperchild, maxMemoryPerChild, context',
    );
    expect(() => new Pool({ initializer: 42 as never })).toThrow(
      'options.initializer must be a function or a taskRef(), got number 42',
    );
    expect(() => new Pool({ initargs: 'x' as never })).toThrow(
      'options.initargs must be an array, got "x" (string)',
    );
    expect(() => new Pool({ initargs: [{ f: () => 1 }] })).toThrow(
      /^options\.initargs\[0\]\.f is a function and cannot be sent/,
    );
    expect(() => new Pool({ maxtasksperchild: 0 })).toThrow(
      'options.maxtasksperchild must be a positive integer, got 0 (number)',
    );
    expect(() => new Pool({ maxMemoryPerChild: -1 })).toThrow(
      'options.maxMemoryPerChild must be a number of bytes > 0, got -1 (number)',
    );
    expect(() => new Pool({ context: 'spawn' as never })).toThrow(
      `options.context must be a context from getContext('spawn' | 'thread'), got "spawn" (string)`,
    );
    expect(() => new ThreadPool({ context: getContext('spawn') } as never)).toThrow(
      'options.context cannot be given to a ThreadPool: its workers are always threads',
    );
  });

  it('refuses a function that cannot be sent, naming it', async () => {
    const factor = 3;
    const closure = (x: number): number => x * factor;
    const apply = await settle(pool.apply(closure, [1]));
    expect(!apply.ok && apply.error).toBeInstanceOf(TypeError);
    expect(!apply.ok && apply.error.message).toBe(
      'fn (function closure) is not exported from its module and uses the variable factor from its enclosing scope, so it cannot be sent by source. Export it from its module (it is then sent by reference), or pass factor as an argument.',
    );
    expect(() => pool.applyAsync('square' as never)).toThrow(
      'fn must be a function or a taskRef(), got string "square"',
    );
    expect(() => pool.imap(Math.max.bind(null) as never, [1] as never)).toThrow(
      /^fn \(function bound max\) is a bound or built-in function and cannot be sent/,
    );
  });

  it('refuses arguments and items that cannot be sent, by their path', async () => {
    const apply = await settle(pool.apply(tasks.identity, [{ handler: () => 1 }] as never));
    expect(!apply.ok && apply.error.message).toMatch(
      /^args\[0\]\.handler is a function and cannot be sent/,
    );
    expect(() => pool.applyAsync(tasks.identity, [Symbol('s')] as never)).toThrow(
      'args[0] is a symbol and cannot be sent',
    );
    const items: unknown[] = [1, 2, 3, { handler: () => 1 }];
    const map = await settle(pool.map(tasks.identity, items));
    expect(!map.ok && map.error.message).toMatch(
      /^items\[3\]\.handler is a function and cannot be sent/,
    );
    expect(() => pool.mapAsync(tasks.identity, [0, new WeakMap()] as never)).toThrow(
      'items[1] is a WeakMap and cannot be sent',
    );
    const star = await settle(
      pool.starmap(tasks.add, [
        [1, 2],
        [3, () => 4],
      ] as never),
    );
    expect(!star.ok && star.error.message).toMatch(
      /^items\[1\]\[1\] is a function and cannot be sent/,
    );
    const notArgs = await settle(pool.starmap(tasks.add, [[1, 2], 5] as never));
    expect(!notArgs.ok && notArgs.error.message).toBe(
      'items[1] must be an iterable of arguments, got 5 (number)',
    );
    async function* lateBad(): AsyncGenerator<unknown> {
      yield await Promise.resolve(1);
      yield { when: Promise.resolve(1) };
    }
    const asyncMap = await settle(pool.map(tasks.identity, lateBad()));
    expect(!asyncMap.ok && asyncMap.error.message).toMatch(
      /^items\[1\]\.when is a Promise and cannot be sent/,
    );
  });

  it('refuses bad options and iterables', async () => {
    const bad = await settle(pool.apply(tasks.square, [1], { timeout: '5s' as never }));
    expect(!bad.ok && bad.error.message).toBe(
      'options.timeout must be a number of milliseconds, or null to wait forever, got "5s" (string)',
    );
    expect(() => pool.applyAsync(tasks.square, [1], { signal: {} as never })).toThrow(
      'options.signal must be an AbortSignal, got an object',
    );
    expect(() => pool.applyAsync(tasks.square, [1], { callback: 'x' as never })).toThrow(
      'options.callback must be a function, got "x" (string)',
    );
    expect(() => pool.applyAsync(tasks.square, 1 as never)).toThrow(
      'args must be an array, got 1 (number)',
    );
    expect(() => pool.mapAsync(tasks.square, [1], { chunksize: 0 })).toThrow(
      'options.chunksize must be a positive integer, got 0 (number)',
    );
    expect(() => pool.mapAsync(tasks.square, 42 as never)).toThrow(
      'iterable must be an iterable or an async iterable, got 42 (number)',
    );
    expect(() => pool.imap(tasks.square, [1], { maxInFlight: 0 })).toThrow(
      'options.maxInFlight must be a positive integer, got 0 (number)',
    );
    expect(() => pool.imapUnordered(tasks.square, null as never)).toThrow(
      'iterable must be an iterable or an async iterable, got null',
    );
    const result = pool.applyAsync(tasks.square, [1], { signal: AbortSignal.abort() });
    const got = await settle(result.get(NaN));
    expect(!got.ok && got.error.message).toBe(
      'timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
    );
  });

  it('a pool cannot be sent to a worker', async () => {
    const outcome = await settle(pool.apply(tasks.identity, [pool] as never));
    expect(!outcome.ok && outcome.error.message).toBe(
      'args[0] is a Pool and cannot be sent: a pool belongs to the process that created it; send the data its tasks need instead',
    );
  });
});
