// The hot paths: primitives written into the ring without msgpack (they must come back exactly
// as msgpack's path gives them), wake-ups batched (read through the shared counters of the test
// hook, not timed), and the bound on the ring's growth.
import { activeChildren, getContext, type Process } from '@multiproc/process';
import { Full, Queue } from '@multiproc/queues';
import { decode, encode } from '@multiproc/serialize';
import { Event } from '@multiproc/synchronize';
import { fixture, guardLeftovers, runNode, shmNames, waitUntil } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

interface Stats {
  consumerWakes: number;
  consumerSleeps: number;
  sleepingConsumers: number;
  ringBytes: number;
  maxRingBytes: number;
}
const statsOf = (q: Queue<unknown>): Stats =>
  (q as unknown as Record<symbol, () => Stats>)[Symbol.for('multiproc.queues.stats')]!();

const { Process: SpawnProcess } = getContext('spawn');

guardLeftovers({ activeChildren, shmNames });

async function exitcodes(processes: Process[]): Promise<(number | null)[]> {
  await Promise.all(processes.map((p) => p.join(30_000)));
  return processes.map((p) => p.exitcode);
}

/** Values whose record skips msgpack (and the edges of that path), among others that do not. */
const kValues: unknown[] = [
  0,
  1,
  -1,
  -0,
  2 ** 31,
  2 ** 53 - 1,
  -(2 ** 53),
  0.1,
  5e-324,
  NaN,
  Infinity,
  -Infinity,
  '',
  'a',
  'ä€😀',
  'x'.repeat(1024),
  '€'.repeat(1024),
  'y'.repeat(1025),
  'lone \ud800 surrogate',
  null,
  undefined,
  true,
  false,
  { o: 1 },
  [1, 'two', null],
  Buffer.from('raw bytes'),
  7n,
];

function expectSameAsMsgpack(got: unknown[]): void {
  expect(got).toHaveLength(kValues.length);
  got.forEach((value, i) => {
    const expected = Buffer.isBuffer(kValues[i]) ? kValues[i] : decode(encode(kValues[i]));
    expect([i, value]).toEqual([i, expected]);
    if (typeof expected === 'number') expect(Object.is(value, expected)).toBe(true);
  });
}

describe('primitives skip msgpack and come back exactly as it would give them', () => {
  it('in one process, by getSync and get, in order with other items', async () => {
    using q = new Queue<unknown>();
    for (const value of kValues) q.putSync(value);
    for (const value of kValues) await q.put(value);
    expectSameAsMsgpack(kValues.map(() => q.getSync()));
    const got: unknown[] = [];
    for (let i = 0; i < kValues.length; i++) got.push(await q.get());
    expectSameAsMsgpack(got);
  });

  it('across a spawn child and back', async () => {
    using q = new Queue<unknown>();
    using out = new Queue<unknown>();
    const p = new SpawnProcess({ target: targets.relay, args: [q, out, kValues.length] });
    p.start();
    for (const value of kValues) await q.put(value);
    const got: unknown[] = [];
    for (let i = 0; i < kValues.length; i++) got.push(await out.get({ timeout: 30_000 }));
    expect(await exitcodes([p])).toEqual([0]);
    expectSameAsMsgpack(got);
  });

  it('keeps a string put by an async put that waited, although the scratch was reused', async () => {
    using q = new Queue<string>(1);
    q.putSync('first');
    const waiting = q.put('second, waiting for room');
    expect(() => q.putNowait('third')).toThrow(Full);
    expect(q.getSync()).toBe('first');
    await waiting;
    expect(q.getSync()).toBe('second, waiting for room');
  });
});

describe('wake-ups are batched', () => {
  const n = 10_000;
  const sum = (n * (n - 1)) / 2;

  it('puts while the consumer is awake wake no one, and it takes every item without sleeping', async () => {
    using q = new Queue<number>();
    using ctl = new Queue<unknown>();
    using go = new Event();
    const p = new SpawnProcess({ target: targets.sumAfterGo, args: [q, ctl, go, n] });
    p.start();
    expect(await ctl.get({ timeout: 30_000 })).toBe('ready');
    const before = statsOf(q);
    for (let i = 0; i < n; i++) q.putSync(i);
    go.set();
    expect(await ctl.get({ timeout: 30_000 })).toBe(sum);
    expect(await exitcodes([p])).toEqual([0]);
    const after = statsOf(q);
    expect([
      after.consumerWakes - before.consumerWakes,
      after.consumerSleeps - before.consumerSleeps,
    ]).toEqual([0, 0]);
  });

  it('a burst of puts costs wake-ups per sleep of a consumer (at most two), not per item', async () => {
    using q = new Queue<number | null>();
    using ctl = new Queue<[number, number]>();
    const consumers = Array.from(
      { length: 3 },
      () => new SpawnProcess({ target: targets.sumUntilNull, args: [q, ctl] }),
    );
    for (const p of consumers) p.start();
    // All three asleep on the empty queue before the burst.
    expect(await waitUntil(() => statsOf(q).sleepingConsumers === 3, 30_000)).toBe(true);
    for (let i = 0; i < n; i++) q.putSync(i);
    for (const _ of consumers) q.putSync(null);
    const reports: [number, number][] = [];
    for (const _ of consumers) reports.push(await ctl.get({ timeout: 30_000 }));
    expect(await exitcodes(consumers)).toEqual([0, 0, 0]);
    expect(reports.reduce((a, [count]) => a + count, 0)).toBe(n);
    expect(reports.reduce((a, [, s]) => a + s, 0)).toBe(sum);
    const { consumerWakes, consumerSleeps, sleepingConsumers } = statsOf(q);
    expect(sleepingConsumers).toBe(0);
    expect(consumerWakes).toBeGreaterThanOrEqual(1);
    // A wake is decided only while no other is pending, and only a sleep clears the pending
    // mark: once when the consumer registers, once when it wakes or finds an item on its second
    // look (so at most two per sleep).
    expect(consumerWakes).toBeLessThanOrEqual(2 * consumerSleeps);
    // Far fewer than one per item: a consumer sleeps again only when it has emptied the queue.
    expect(consumerWakes).toBeLessThan(n / 10);
  });
});

describe('no wake-up is lost', () => {
  // A consumer that sleeps while a producer fills a bounded queue must be woken by the puts. A
  // lost wake-up shows as a get that sleeps out its whole recheck (kRecheckMs, 1 s) while the
  // queue is full; every other get here takes milliseconds at most. The first version claimed
  // the pending-wake flag after moving the futex word, and lost a wake-up in about one fresh
  // producer of three (4 runs of this program in 4 failed).
  it('12 fresh producers fill a bounded queue: every get ends within 500 ms, in order', async () => {
    const run = await runNode(fixture('lost-wake-program.mjs'), ['12', '50000'], {
      timeoutMs: 60_000,
    });
    expect(run.stderr.split('\n').filter((l) => /Error/.test(l))).toEqual([]);
    expect(run.code).toBe(0);
    const { longest, outOfOrder } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      longest: number;
      outOfOrder: number;
    };
    expect(outOfOrder).toBe(0);
    expect(longest).toBeLessThan(500);
  }, 90_000);
});

describe('the ring grows up to maxRingBytes', () => {
  it('is 64 MiB by default, and at least ringBytes', () => {
    using q = new Queue();
    expect([statsOf(q).ringBytes, statsOf(q).maxRingBytes]).toEqual([256 << 10, 64 << 20]);
    using big = new Queue({ ringBytes: 128 << 20 });
    expect(statsOf(big).maxRingBytes).toBe(128 << 20);
  });

  it('refuses a bad maxRingBytes', () => {
    expect(() => new Queue({ maxRingBytes: 100 })).toThrow(
      'options.maxRingBytes must be a multiple of 8 from options.ringBytes (262144) to 1073741824, got 100 (number)',
    );
    expect(() => new Queue({ ringBytes: 8192, maxRingBytes: 4096 })).toThrow(
      'options.maxRingBytes must be a multiple of 8 from options.ringBytes (8192) to 1073741824, got 4096 (number)',
    );
    expect(() => new Queue({ maxRingBytes: 2 ** 31 })).toThrow(TypeError);
    expect(() => new Queue({ maxRingBytes: 65540 })).toThrow(TypeError);
  });

  it('at the bound, put waits for room (putNowait throws Full) and nothing is lost', async () => {
    using q = new Queue<Buffer>({ ringBytes: 4096, maxRingBytes: 16384 });
    // Records of 8 + 1000 bytes: 4 fit 4096 bytes, 8 fit 8192, 16 fit 16384.
    const item = (i: number): Buffer => Buffer.alloc(1000, i);
    let count = 0;
    for (;;) {
      try {
        q.putNowait(item(count));
      } catch (error) {
        expect(error).toBeInstanceOf(Full);
        break;
      }
      count++;
    }
    expect([count, statsOf(q).ringBytes]).toEqual([16, 16384]);
    expect(() => q.putSync(item(99), { timeout: 20 })).toThrow('Queue is full');
    const waiting = q.put(item(count), { timeout: 10_000 });
    for (let i = 0; i < 6; i++) expect(q.getSync()[0]).toBe(i);
    await waiting;
    const rest: number[] = [];
    while (!q.empty()) rest.push(q.getSync()[0]!);
    expect(rest).toEqual(Array.from({ length: 11 }, (_, i) => i + 6));
    expect(statsOf(q).ringBytes).toBe(16384);
  });

  it('an item larger than half the bound travels in a segment of its own', async () => {
    using q = new Queue<Buffer>({ ringBytes: 4096, maxRingBytes: 16384 });
    const big = Buffer.alloc(64 << 10, 3);
    q.putSync(Buffer.alloc(9000, 1));
    await q.put(big);
    expect(q.getSync().equals(Buffer.alloc(9000, 1))).toBe(true);
    expect((await q.get()).equals(big)).toBe(true);
    expect(statsOf(q).ringBytes).toBe(4096);
  });
});
