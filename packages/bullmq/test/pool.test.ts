// The Pool API across two `multiproc-worker` processes ("machines") on a real Redis.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  DistributedPool,
  IMapIterator,
  ProcessError,
  TimeoutError,
  taskRef,
} from '@multiproc/bullmq';
import { Pool } from '@multiproc/pool';
import { lines, settle, tasks, tempDir, useCluster } from './helpers.js';

jest.setTimeout(30_000);

const queue = `q-${randomUUID()}`;
const dir = tempDir();
const cluster = useCluster({ queue, workers: 2 });
const open = (): DistributedPool => new DistributedPool({ connection: cluster.redis.url, queue });

test('map, apply and imap run across both workers, in chunks, with exact results', async () => {
  await using pool = open();
  const file = join(dir, 'map.txt');
  const items = Array.from({ length: 40 }, (_, i) => i);
  const starmapped = await pool.starmap(
    tasks.record,
    items.map((i) => [file, i, 20]),
    { chunksize: 4 },
  );
  expect(starmapped).toEqual(items.map((i) => i * 2));
  const runs = lines(file).map((l) => l.split(' '));
  expect(runs.map(([x]) => Number(x)).sort((a, b) => a - b)).toEqual(items);
  // Both machines took chunks (each worker has one local process, so two pids at least).
  expect(new Set(runs.map(([, pid]) => pid)).size).toBeGreaterThanOrEqual(2);

  expect(await pool.map(tasks.square, items, { chunksize: 7 })).toEqual(items.map((x) => x * x));
  expect(await pool.apply(tasks.pow, [2, 10])).toBe(1024);
  const ordered: number[] = [];
  const iterator = pool.imap(tasks.nap, [300, 1, 200, 1, 100]);
  expect(iterator).toBeInstanceOf(IMapIterator); // the local pool's class, not a look-alike
  for await (const v of iterator) ordered.push(v);
  expect(ordered).toEqual([300, 1, 200, 1, 100]);
});

test('values and errors keep their types (Map, Date, BigInt, Buffer, error classes)', async () => {
  await using pool = open();
  const value = new Map<string, unknown>([
    ['when', new Date(86_400_000)],
    ['big', 2n ** 70n],
    ['bytes', Buffer.from([1, 2, 3])],
  ]);
  const out = (await pool.apply(tasks.describe, [value])) as { echo: Map<string, unknown> };
  expect(out).toMatchObject({ map: true, date: true, big: true, buffer: true });
  expect(out.echo.get('big')).toBe(2n ** 70n);
  expect((out.echo.get('when') as Date).getTime()).toBe(86_400_000);
  const failed = await settle(pool.map(tasks.failOn, [1, 2, 3, 4], { chunksize: 2 }));
  expect(failed.ok).toBe(false);
  if (!failed.ok) {
    expect(failed.error).toBeInstanceOf(RangeError);
    expect(failed.error.message).toMatch(/^three is not allowed \(pid \d+\)$/);
    expect(failed.error.stack).toContain('--- remote stack ---');
  }
  const custom = await settle(pool.apply(tasks.failValidation, []));
  expect(custom.ok ? null : [custom.error.name, custom.error.message, custom.error.code]).toEqual([
    'ValidationError',
    'bad input',
    'E_BAD',
  ]);
});

test('imapUnordered yields as results arrive; item errors reject in place and iteration goes on', async () => {
  await using pool = open();
  const got: unknown[] = [];
  for await (const v of pool.imapUnordered(tasks.nap, [2000, 10])) got.push(v);
  expect(got).toEqual([10, 2000]); // two machines: the short one is back long before
  const it = pool.imap(tasks.failOn, [1, 3, 5]);
  expect(await it.next()).toEqual({ done: false, value: 1 });
  await expect(it.next()).rejects.toThrow(RangeError);
  expect(await it.next()).toEqual({ done: false, value: 5 });
  expect(await it.next()).toEqual({ done: true, value: undefined });
});

test('imap reads lazily: an endless generator, at most maxInFlight chunks ahead', async () => {
  await using pool = open();
  let read = 0;
  function* naturals(): Generator<number> {
    for (let i = 0; ; i++) {
      read++;
      yield i;
    }
  }
  const it = pool.imap(tasks.square, naturals(), { chunksize: 3, maxInFlight: 2 });
  const first: unknown[] = [];
  for await (const v of it) {
    first.push(v);
    if (first.length === 5) break;
  }
  expect(first).toEqual([0, 1, 4, 9, 16]);
  // 5 results consumed from chunks of 3 with 2 in flight: at most 4 chunks read (one spare item
  // each side of the bound), never the endless rest.
  expect(read).toBeLessThanOrEqual(4 * 3 + 1);
});

test('imap ends at an item that cannot be sent, naming it, after the items before it', async () => {
  await using pool = open();
  const items: unknown[] = [1, 2, 3, { handler: () => 0 }, 5];
  const it = pool.imap(tasks.square, items as number[], { chunksize: 2 });
  const steps: unknown[] = [];
  for (let i = 0; i < 5; i++) {
    const step = await settle(it.next());
    steps.push(step.ok ? step.value : `${step.error.name}: ${step.error.message}`);
  }
  expect(steps).toEqual([
    { done: false, value: 1 },
    { done: false, value: 4 },
    { done: false, value: 9 },
    'TypeError: items[3].handler is a function and cannot be sent: functions (here handler) travel only as targets or tasks, not inside arguments',
    { done: true, value: undefined },
  ]);
});

test('progress reported by tasks reaches onProgress with the task index', async () => {
  await using pool = open();
  const events: { index: number; value: unknown }[] = [];
  const results: unknown[] = [];
  for await (const v of pool.imap(tasks.withProgress, [5, 6], {
    onProgress: (e) => events.push(e),
  }))
    results.push(v);
  expect(results).toEqual([-5, -6]);
  const byIndex = (i: number): unknown[] => events.filter((e) => e.index === i).map((e) => e.value);
  expect(byIndex(0)).toEqual([
    { x: 5, step: 1 },
    { x: 5, step: 2 },
  ]);
  expect(byIndex(1)).toEqual([
    { x: 6, step: 1 },
    { x: 6, step: 2 },
  ]);
});

test('applyAsync runs its callback; timeout fails the task; a signal aborts the call', async () => {
  await using pool = open();
  const seen: unknown[] = [];
  const result = pool.applyAsync(tasks.pow, [3, 3], { callback: (v) => seen.push(v) });
  expect(await result.get(10_000)).toBe(27);
  expect(seen).toEqual([27]);
  expect(result.successful()).toBe(true);

  const late = await settle(pool.apply(tasks.sleepy, [5000, 1], { timeout: 300 }));
  expect(late.ok ? null : late.error).toBeInstanceOf(TimeoutError);

  const controller = new AbortController();
  const aborted = settle(pool.map(tasks.nap, [2000], { signal: controller.signal }));
  setTimeout(() => controller.abort(), 100);
  const outcome = await aborted;
  expect(outcome.ok ? null : [outcome.error.name, outcome.error.message]).toEqual([
    'AbortError',
    'pool.map() was aborted',
  ]);
});

test('timeout limits a chunk, as it does in the local Pool: chunksize 1 makes it per item', async () => {
  // Three items of 300 ms: each is under the 800 ms limit, a chunk of all three is not.
  await using distributed = open();
  await using local = new Pool(1);
  const outcomes = [];
  for (const pool of [local, distributed]) {
    const chunked = await settle(
      pool.map(tasks.nap, [300, 300, 300], { chunksize: 3, timeout: 800 }),
    );
    const perItem = await settle(
      pool.map(tasks.nap, [300, 300, 300], { chunksize: 1, timeout: 800 }),
    );
    outcomes.push([
      chunked.ok ? chunked.value : chunked.error.constructor.name,
      perItem.ok ? perItem.value : perItem.error.constructor.name,
    ]);
  }
  expect(outcomes).toEqual([
    ['TimeoutError', [300, 300, 300]],
    ['TimeoutError', [300, 300, 300]],
  ]);
});

test('bad input is refused with a message before anything is queued', () => {
  expect(() => new DistributedPool({ connection: 'http://x', queue })).toThrow(
    'options.connection must be a redis:// or rediss:// URL or ioredis options, got "http://x" (string)',
  );
  expect(() => new DistributedPool({ connection: cluster.redis.url, queue: 'a b' })).toThrow(
    'options.queue must be a queue name of letters, digits, _ . or -, got "a b" (string)',
  );
  expect(() => new DistributedPool({ connection: cluster.redis.url, queue, attempts: 0 })).toThrow(
    'options.attempts must be a positive integer, got 0 (number)',
  );
});

test('a function that is not exported is refused unless allowFunctionSource is set', async () => {
  await using pool = open();
  expect(() => pool.applyAsync((x: number) => x + 1, [1])).toThrow(/allowFunctionSource: true/);
  await expect(
    pool.apply(taskRef(require.resolve('./fixtures/tasks.cjs'), 'square'), [9]),
  ).resolves.toBe(81);
});

test('close lets work finish and join waits; terminate rejects what is pending', async () => {
  const pool = open();
  const pending = pool.map(tasks.square, [1, 2, 3]);
  pool.close();
  expect(() => pool.applyAsync(tasks.square, [1])).toThrow(
    'the pool is closed: no new tasks can be submitted',
  );
  await pool.join();
  expect(await pending).toEqual([1, 4, 9]);
  expect(pool.state).toBe('closed');

  const other = open();
  const slow = settle(other.apply(tasks.sleepy, [3000, 1]));
  other.terminate();
  await other.join();
  const outcome = await slow;
  expect(outcome.ok ? null : outcome.error).toBeInstanceOf(ProcessError);
  expect(outcome.ok ? null : outcome.error.code).toBe('ERR_MP_POOL_TERMINATED');
});
