// Queue, JoinableQueue and SimpleQueue in one process: every member, item sizes, bad input.
import { Empty, Full, JoinableQueue, Queue, SimpleQueue } from '@multiproc/queues';
import { sleep } from './helpers.js';

describe('Queue in one process', () => {
  it('keeps FIFO order through put/putSync/putNowait and get/getSync/getNowait', async () => {
    using q = new Queue<unknown>();
    q.putSync(1);
    await q.put({ a: [1, 2, 'x'] });
    q.putNowait(new Map([[1, 'one']]));
    expect(q.qsize()).toBe(3);
    expect(q.empty()).toBe(false);
    expect(q.full()).toBe(false);
    expect(q.getSync()).toBe(1);
    expect(await q.get()).toEqual({ a: [1, 2, 'x'] });
    expect(q.getNowait()).toEqual(new Map([[1, 'one']]));
    expect(q.empty()).toBe(true);
  });

  it('accepts new Queue(10) as the maxsize and throws Full / Empty without waiting', async () => {
    using q = new Queue<number>(2);
    expect(q.maxsize).toBe(2);
    q.putSync(1);
    q.putSync(2);
    expect(q.full()).toBe(true);
    expect(() => q.putNowait(3)).toThrow(Full);
    expect(() => q.putSync(3, { timeout: 0 })).toThrow('Queue is full');
    expect(() => q.putSync(3, { timeout: -5 })).toThrow(Full);
    await expect(q.put(3, { block: false })).rejects.toThrow(Full);
    const t0 = performance.now();
    await expect(q.put(3, { timeout: 50 })).rejects.toBeInstanceOf(Full);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    expect([q.getSync(), q.getSync()]).toEqual([1, 2]);
    expect(() => q.getNowait()).toThrow(Empty);
    await expect(q.get({ timeout: 30 })).rejects.toMatchObject({
      name: 'Empty',
      code: 'ERR_MP_EMPTY',
      message: 'Queue is empty',
    });
  });

  it('wakes a waiting get on put and a waiting put on get', async () => {
    using q = new Queue<string>(1);
    const waiting = q.get({ timeout: 5000 });
    await sleep(20);
    q.putSync('late');
    expect(await waiting).toBe('late');
    q.putSync('a');
    const blocked = q.put('b', { timeout: 5000 });
    await sleep(20);
    expect(q.getSync()).toBe('a');
    await blocked;
    expect(q.getSync()).toBe('b');
  });

  it('carries items of 0 bytes, 1 byte, exactly the ring size and 64 MiB', () => {
    using q = new Queue<Buffer>({ ringBytes: 4096 });
    const sizes = [0, 1, 4096, 4095, 1000, 2040, 2041, 64 << 20];
    for (const size of sizes) q.putSync(Buffer.alloc(size, size % 251));
    for (const size of sizes) {
      const got = q.getSync();
      expect(got.length).toBe(size);
      expect(got.equals(Buffer.alloc(size, size % 251))).toBe(true);
    }
    expect(q.empty()).toBe(true);
  });

  it('wraps around the ring many times without losing or reordering items', () => {
    using q = new Queue<string>({ ringBytes: 4096 });
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 1000; round++) {
      for (let k = 0; k < 3; k++) q.putSync('x'.repeat((next * 37) % 900) + String(next++));
      for (let k = 0; k < 3; k++) {
        expect(q.getSync()).toBe('x'.repeat((expected * 37) % 900) + String(expected));
        expected++;
      }
    }
  });

  it('yields items with for await, and break leaves the queue open', async () => {
    using q = new Queue<number>();
    for (const n of [1, 2, 3, 4]) q.putSync(n);
    const seen: number[] = [];
    for await (const n of q) {
      seen.push(n);
      if (n === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(q.getSync()).toBe(4);
  });

  it('ends waiting calls and for await when closed; joinThread follows close', async () => {
    const q = new Queue<number>();
    const waiting = q.get();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const n of q) seen.push(n);
    })();
    await sleep(20);
    expect(() => q.joinThread()).toThrow('Queue is not closed: call close() before joinThread()');
    q.close();
    await expect(waiting).rejects.toMatchObject({
      code: 'ERR_MP_CLOSED',
      message: 'Queue is closed',
    });
    await loop;
    expect(seen).toEqual([]);
    q.joinThread();
    q.cancelJoinThread();
    q.close();
    expect(() => q.putSync(1)).toThrow('Queue is closed');
    await expect(q.put(1)).rejects.toThrow('Queue is closed');
    expect(() => q.getSync()).toThrow('Queue is closed');
    await expect(q.get()).rejects.toThrow('Queue is closed');
  });

  it('closes with Symbol.dispose and Symbol.asyncDispose', async () => {
    let q: Queue | undefined;
    {
      using inner = new Queue();
      q = inner;
    }
    expect(q.closed).toBe(true);
    {
      await using inner = new Queue();
      q = inner;
    }
    expect(q.closed).toBe(true);
  });
});

describe('bad input gets a clear error and loses nothing', () => {
  it('refuses a bad maxsize or ringBytes', () => {
    expect(() => new Queue(-1)).toThrow(
      'maxsize must be a non-negative integer (at most 2147483647), got -1 (number)',
    );
    expect(() => new Queue({ maxsize: 1.5 })).toThrow(
      'options.maxsize must be a non-negative integer (at most 2147483647), got 1.5 (number)',
    );
    expect(() => new Queue({ maxsize: NaN })).toThrow(TypeError);
    expect(() => new Queue({ ringBytes: 100 })).toThrow(
      'options.ringBytes must be a multiple of 8 from 4096 to 1073741824, got 100 (number)',
    );
    expect(() => new Queue('3' as unknown as number)).toThrow(TypeError);
  });

  it('refuses NaN and non-number timeouts and bad options, keeping every item', async () => {
    using q = new Queue<number>();
    q.putSync(1);
    expect(() => q.getSync({ timeout: NaN })).toThrow(
      'options.timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
    );
    await expect(q.get({ timeout: '5' as unknown as number })).rejects.toThrow(TypeError);
    await expect(q.put(2, { timeout: NaN })).rejects.toThrow('options.timeout must be');
    expect(() => q.putSync(2, { block: 'no' as unknown as boolean })).toThrow(
      'options.block must be a boolean',
    );
    expect(() => q.getSync(5 as never)).toThrow(
      'options must be an object like { block, timeout }',
    );
    expect(q.qsize()).toBe(1);
    expect(q.getSync({ timeout: null })).toBe(1);
  });

  it('refuses an unsendable item before writing anything, naming its path', async () => {
    using q = new Queue<unknown>();
    q.putSync('kept');
    await expect(q.put({ handler: () => 1 })).rejects.toThrow(
      /^item\.handler is a function and cannot be sent/,
    );
    expect(() => q.putSync([1, Symbol('s')])).toThrow(/^item\[1\] is a symbol/);
    expect(q.qsize()).toBe(1);
    expect(q.getSync()).toBe('kept');
  });

  it('JoinableQueue: taskDone too often throws; join waits for every task', async () => {
    using q = new JoinableQueue<number>();
    expect(() => q.taskDone()).toThrow('taskDone() called too many times');
    await q.join();
    q.putSync(1);
    q.putSync(2);
    expect(q.getSync()).toBe(1);
    let joined = false;
    const joining = q.join().then(() => (joined = true));
    q.taskDone();
    await sleep(20);
    expect(joined).toBe(false);
    expect(q.getSync()).toBe(2);
    q.taskDone();
    await joining;
    expect(() => q.taskDone()).toThrow(
      expect.objectContaining({ code: 'ERR_MP_TASK_DONE_TOO_OFTEN' }) as Error,
    );
    q.putSync(3);
    expect(q.getSync()).toBe(3);
  });

  it('SimpleQueue has its small API', async () => {
    const q = new SimpleQueue<number>();
    expect(q.empty()).toBe(true);
    await q.put(1);
    q.putSync(2);
    expect(await q.get()).toBe(1);
    expect(q.getSync()).toBe(2);
    expect('qsize' in q).toBe(false);
    q.close();
    await expect(q.get()).rejects.toThrow('SimpleQueue is closed');
  });
});
