// Crash safety across real processes: a worker machine SIGKILLed mid-chunk, a caller SIGKILLed,
// a local process that dies under every attempt, a malformed job, and the module allow-list.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { DistributedPool, ProcessError, WorkerLostError } from '@multiproc/bullmq';
import {
  alive,
  descendants,
  lines,
  settle,
  tasks,
  tempDir,
  useCluster,
  waitUntil,
} from './helpers.js';

jest.setTimeout(40_000);

const cluster = useCluster();
const worker = (queue: string, extra?: string[]) => cluster.worker(queue, extra);
const dir = tempDir();

test('a worker SIGKILLed mid-chunk: its chunk runs elsewhere and every task completes exactly once', async () => {
  const queue = `kill-${randomUUID()}`;
  const [a, b] = [await worker(queue), await worker(queue)];
  const file = join(dir, 'kill.txt');
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue });
  const items = Array.from({ length: 12 }, (_, i): [string, number, number] => [file, i, 250]);
  const result = pool.starmap(tasks.record, items, { chunksize: 2 });
  // Kill machine A once it has finished a task (so it holds a chunk half done).
  const pidsOfA = (): number[] => descendants(a.pid);
  expect(
    await waitUntil(
      () => lines(file).some((l) => pidsOfA().includes(Number(l.split(' ')[1]))),
      10_000,
    ),
  ).toBe(true);
  const orphans = pidsOfA();
  a.child.kill('SIGKILL');
  expect(await result).toEqual(items.map(([, i]) => i * 2));
  // Results: exactly once each. Runs: at least once each (the killed chunk's done half may rerun).
  const ran = lines(file).map((l) => Number(l.split(' ')[0]));
  expect([...new Set(ran)].sort((x, y) => x - y)).toEqual(items.map(([, i]) => i));
  expect(b.stderr()).not.toContain('refused');
  // The dead machine's local processes go with it.
  expect(await waitUntil(() => orphans.every((p) => !alive(p)), 5000)).toBe(true);
});

test('a chunk whose process dies on every attempt fails with WorkerLostError after `attempts`', async () => {
  const queue = `lost-${randomUUID()}`;
  await worker(queue);
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue, attempts: 2 });
  const outcome = await settle(pool.apply(tasks.exitNow, []));
  expect(outcome.ok ? null : outcome.error).toBeInstanceOf(WorkerLostError);
  expect(await pool.apply(tasks.square, [4])).toBe(16); // the worker goes on
});

test('a SIGKILLed caller: workers drop its chunks and go on with other pools', async () => {
  const queue = `caller-${randomUUID()}`;
  await worker(queue);
  await worker(queue);
  const caller = spawn(
    process.execPath,
    [join(__dirname, 'fixtures', 'doomed-caller.cjs'), cluster.redis.url, queue],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => caller.stdout?.on('data', () => resolve()));
  caller.kill('SIGKILL');
  const t0 = Date.now();
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue });
  expect(await pool.map(tasks.square, [1, 2, 3], { chunksize: 1 })).toEqual([1, 4, 9]);
  // The dead caller queued 60 × 500 ms (15 s on two workers); its liveness key expires after
  // 1.5 s and the rest of its chunks are skipped.
  expect(Date.now() - t0).toBeLessThan(10_000);
});

test('a malformed job: the worker refuses and reports it, and survives', async () => {
  const queue = `bad-${randomUUID()}`;
  const w = await worker(queue);
  const raw = new Queue(queue, { connection: { host: '127.0.0.1', port: cluster.redis.port } });
  await raw.add('junk', { hello: 'world' });
  await raw.add('junk2', {
    v: 1,
    pool: 'abc',
    chunk: 0,
    fn: { kind: 'ref', module: 'x', name: 'y' },
    items: 'not base64 msgpack',
    star: false,
    attempts: 1,
    timeout: null,
  });
  expect(await waitUntil(() => w.stderr().includes('refused job'), 10_000)).toBe(true);
  expect(w.stderr()).toContain(
    'is not a multiproc chunk: data.v must be 1 (a multiproc chunk), got undefined',
  );
  await waitUntil(() => false, 500);
  const failed = await raw.getFailed();
  expect(failed.map((j) => j.failedReason)).toContain(
    'job 1 is not a multiproc chunk: data.v must be 1 (a multiproc chunk), got undefined',
  );
  await raw.close();
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue });
  expect(await pool.map(tasks.square, [5, 6])).toEqual([25, 36]);
  expect(alive(w.pid)).toBe(true);
});

test('the allow-list: a worker runs exports of listed modules only', async () => {
  const queue = `allow-${randomUUID()}`;
  await worker(queue, ['--allow-module', require.resolve('./fixtures/tasks.cjs')]);
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue });
  expect(await pool.apply(tasks.square, [3])).toBe(9);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const other = require('./fixtures/other.cjs') as {
    double: (x: number) => number;
    Point: new (x: number) => { x: number };
  };
  const refused = await settle(pool.apply(other.double, [3]));
  expect(refused.ok ? null : refused.error).toBeInstanceOf(ProcessError);
  expect(refused.ok ? null : [refused.error.code, refused.error.message]).toEqual([
    'ERR_MP_TASK_NOT_ALLOWED',
    `the module file://${require.resolve('./fixtures/other.cjs')} is not on this worker's allow-list (--allow-module)`,
  ]);
  // A value whose class lives in a module off the list is refused before that module loads.
  const smuggled = await settle(pool.apply(tasks.describe, [new other.Point(1)]));
  expect(smuggled.ok ? null : [smuggled.error.code, smuggled.error.message]).toEqual([
    'ERR_MP_TASK_NOT_ALLOWED',
    `a value in the chunk needs the module file://${require.resolve('./fixtures/other.cjs')} is not on this worker's allow-list (--allow-module)`,
  ]);
});

/**
 * Starts a worker with `--grace graceMs`, has it start a chunk that naps `napMs`, and sends it
 * SIGTERM mid-chunk.
 */
async function sigtermMidChunk(name: string, graceMs: number, napMs: number) {
  const queue = `${name}-${randomUUID()}`;
  const a = await worker(queue, ['--grace', String(graceMs)]);
  const file = join(dir, `${name}.txt`);
  const pool = new DistributedPool({ connection: cluster.redis.url, queue });
  const result = pool.apply(tasks.startThenNap, [file, napMs]);
  expect(await waitUntil(() => lines(file).length === 1, 10_000)).toBe(true);
  const exit = new Promise<number | null>((resolve) => a.child.once('exit', resolve));
  a.child.kill('SIGTERM');
  return { queue, file, pool, result, exit };
}

test('SIGTERM: a worker finishes its running chunk, then exits 0', async () => {
  const { file, pool, result, exit } = await sigtermMidChunk('term', 20_000, 1500);
  await using _pool = pool;
  expect(await result).toBe(1500);
  expect(await exit).toBe(0);
  expect(lines(file).map((l) => l.split(' ')[0])).toEqual(['start', 'end']);
});

test('SIGTERM past --grace: the running chunk goes back to the queue and another worker runs it', async () => {
  const { queue, file, pool, result, exit } = await sigtermMidChunk('handback', 300, 2500);
  await using _pool = pool;
  expect(await exit).toBe(0);
  const b = await worker(queue);
  expect(await result).toBe(2500);
  const events = lines(file).map((l) => l.split(' '));
  // A started it and was stopped; B started it again and finished it.
  expect(events.map(([what]) => what)).toEqual(['start', 'start', 'end']);
  expect(events[1]?.[1]).toBe(events[2]?.[1]);
  expect(descendants(b.pid).map(String)).toContain(events[2]?.[1]);
});

test('--maxtasksperchild recycles the local processes: each chunk gets a fresh one', async () => {
  const queue = `recycle-${randomUUID()}`;
  await worker(queue, ['--maxtasksperchild', '1']);
  const file = join(dir, 'recycle.txt');
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue });
  const items = [0, 1, 2].map((i): [string, number, number] => [file, i, 0]);
  expect(await pool.starmap(tasks.record, items, { chunksize: 1 })).toEqual([0, 2, 4]);
  expect(new Set(lines(file).map((l) => l.split(' ')[1])).size).toBe(3);
});
