// Queues across real processes and threads: as Process args (nested), in grandchildren, in
// pools; many producers and consumers; producers that exit before the queue is drained.
import { activeChildren, getContext, type Process, type StartMethod } from '@multiproc/process';
import { Pool } from '@multiproc/pool';
import { JoinableQueue, Queue, SimpleQueue } from '@multiproc/queues';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

interface Item {
  p: number;
  i: number;
}

afterEach(() => {
  for (const p of activeChildren()) p.kill();
});

async function joinAll(processes: Process[]): Promise<(number | null)[]> {
  await Promise.all(processes.map((p) => p.join(60_000)));
  return processes.map((p) => p.exitcode);
}

/**
 * Checks what consumers saw: each producer's items 0..n-1 exactly once over all batches, and in
 * order within each batch (FIFO per producer).
 */
function expectExactlyOnceFifo(batches: Item[][], producers: number, n: number): void {
  const seen = new Map<number, number[]>(Array.from({ length: producers }, (_, p) => [p, []]));
  for (const batch of batches) {
    const last = new Map<number, number>();
    for (const { p, i } of batch) {
      expect(i).toBeGreaterThan(last.get(p) ?? -1);
      last.set(p, i);
      seen.get(p)!.push(i);
    }
  }
  for (const [, list] of seen) {
    expect(list.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  }
}

describe.each<StartMethod>(['spawn', 'thread'])('queues across %s children', (method) => {
  const ctx = getContext(method);

  it('travel nested in objects and arrays, and work in grandchildren', async () => {
    using q = new Queue<unknown>();
    using reply = new Queue<unknown>();
    q.putSync({ hello: [1, 2] });
    q.putSync('second');
    const p = new ctx.Process({ target: targets.nested, args: [{ in: q, reply: [reply] }] });
    p.start();
    expect(await reply.get({ timeout: 30_000 })).toEqual({ got: { hello: [1, 2] }, size: 1 });
    const g = new ctx.Process({ target: targets.grandparent, args: [q, 'from grandchild'] });
    g.start();
    expect(await joinAll([p, g])).toEqual([0, 0]);
    expect(q.getSync()).toBe('second');
    expect(q.getSync({ timeout: 1000 })).toBe('from grandchild');
  });

  it('delivers every item exactly once, FIFO per producer, 3 producers to 3 consumers', async () => {
    {
      using q = new Queue<Item | null>(64);
      using out = new Queue<Item[]>();
      const n = 2000;
      const producers = [0, 1, 2].map(
        (id) =>
          new ctx.Process({
            target: targets.produce,
            args: [q, id, n, id === 0 ? 'sync' : 'async'],
          }),
      );
      const consumers = [0, 1, 2].map(
        (c) =>
          new ctx.Process({ target: targets.consume, args: [q, out, c === 0 ? 'sync' : 'async'] }),
      );
      for (const p of [...producers, ...consumers]) p.start();
      expect(await joinAll(producers)).toEqual([0, 0, 0]);
      for (let c = 0; c < 3; c++) await q.put(null);
      const batches = [await out.get(), await out.get(), await out.get()];
      expect(await joinAll(consumers)).toEqual([0, 0, 0]);
      expectExactlyOnceFifo(batches, 3, n);
      expect(q.empty()).toBe(true);
    }
  });

  it('gets items of 0 bytes, 1 byte, exactly the ring size and 64 MiB from a child', async () => {
    using q = new Queue<Buffer>({ ringBytes: 4096 });
    for (const size of [0, 1, 4096, 64 << 20]) {
      const p = new ctx.Process({ target: targets.putBuffer, args: [q, size] });
      p.start();
      const got = await q.get({ timeout: 30_000 });
      expect(got.length).toBe(size);
      expect(got.equals(Buffer.alloc(size, size % 251))).toBe(true);
      expect(await joinAll([p])).toEqual([0]);
    }
  });

  it('lets a producer exit and be joined before its items are read (cpython#73983, #85927)', async () => {
    using q = new Queue<Item>();
    using big = new SimpleQueue<Buffer>();
    // #73983: the parent joins a child that put items nobody has read yet.
    const p = new ctx.Process({ target: targets.produce, args: [q, 7, 5000, 'sync'] });
    // #85927: the child's item is larger than any pipe buffer and still unread at join.
    const b = new ctx.Process({ target: targets.putBuffer, args: [big, 8 << 20] });
    p.start();
    b.start();
    expect(await joinAll([p, b])).toEqual([0, 0]);
    expect(q.qsize()).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(q.getSync({ timeout: 0 })).toEqual({ p: 7, i });
    expect((await big.get()).length).toBe(8 << 20);
  });

  it('counts tasks of a JoinableQueue across processes', async () => {
    using jobs = new JoinableQueue<number | null>();
    using out = new Queue<unknown>();
    const worker = new ctx.Process({ target: targets.consume, args: [jobs, out, 'async'] });
    for (let i = 0; i < 10; i++) jobs.putSync(i);
    worker.start();
    // The consumer fixture does not call taskDone: mark them here as they leave the queue.
    const t0 = performance.now();
    while (!jobs.empty() && performance.now() - t0 < 30_000)
      await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 10; i++) jobs.taskDone();
    await jobs.join();
    jobs.putSync(null);
    expect(await out.get({ timeout: 30_000 })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await joinAll([worker])).toEqual([0]);
  });

  it('travels as Pool initargs and inside task arguments', async () => {
    using q = new Queue<number>();
    {
      await using pool = new Pool({
        processes: 2,
        context: ctx,
        initializer: targets.initWithQueue,
        initargs: [q],
      });
      expect(await pool.map(targets.putFromPool as (x: number) => number, [1, 2, 3])).toEqual([
        1, 2, 3,
      ]);
      expect(
        await pool.apply(targets.putToArg as (a: { q: Queue<number>; x: number }) => number, [
          { q, x: 5 },
        ]),
      ).toBe(5);
    }
    const got = [q.getSync(), q.getSync(), q.getSync(), q.getSync()].sort((a, b) => a - b);
    expect(got).toEqual([6, 10, 20, 30]);
  });
});

describe('queues shared by processes and threads at once', () => {
  it('delivers every item exactly once, FIFO per producer, with spawn and thread producers and consumers', async () => {
    using q = new Queue<Item | null>(32);
    using out = new Queue<Item[]>();
    const n = 1500;
    const [spawn, thread] = [getContext('spawn'), getContext('thread')];
    const producers = [spawn, thread, spawn, thread].map(
      (ctx, id) =>
        new ctx.Process({ target: targets.produce, args: [q, id, n, id % 2 ? 'sync' : 'async'] }),
    );
    const consumers = [thread, spawn, thread].map(
      (ctx, c) =>
        new ctx.Process({ target: targets.consume, args: [q, out, c === 1 ? 'sync' : 'async'] }),
    );
    for (const p of [...producers, ...consumers]) p.start();
    // This process consumes too, between the others.
    const mine: Item[] = [];
    for (let k = 0; k < 500; k++) mine.push((await q.get({ timeout: 30_000 }))!);
    expect(await joinAll(producers)).toEqual([0, 0, 0, 0]);
    for (let c = 0; c < 3; c++) await q.put(null);
    const batches = [mine, await out.get(), await out.get(), await out.get()];
    expect(await joinAll(consumers)).toEqual([0, 0, 0]);
    expectExactlyOnceFifo(batches, 4, n);
  });
});
