// Redis restarts mid-run (append-only file on): what the README promises is that no work is lost
// and every result arrives exactly once, once Redis is back with its data.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DistributedPool } from '@multiproc/bullmq';
import {
  alive,
  descendants,
  lines,
  startRedis,
  startWorker,
  stop,
  tasks,
  tempDir,
  waitUntil,
  type TestRedis,
  type TestWorker,
} from './helpers.js';

jest.setTimeout(40_000);

let redis: TestRedis;
let workers: TestWorker[] = [];
const queue = `restart-${randomUUID()}`;

beforeAll(async () => {
  redis = await startRedis({ appendonly: true });
  workers = await Promise.all([startWorker(redis, queue), startWorker(redis, queue)]);
});

afterAll(async () => {
  const pids = workers.flatMap((w) => [w.pid, ...descendants(w.pid)]);
  await Promise.all(workers.map((w) => stop(w.child)));
  await redis?.stop();
  // SIGTERM shuts a worker down with its local processes: none outlives the test.
  expect(await waitUntil(() => pids.every((p) => !alive(p)), 5000)).toBe(true);
});

test('a Redis restart mid-map: clients reconnect and every result arrives exactly once', async () => {
  const file = join(tempDir(), 'runs.txt');
  await using pool = new DistributedPool({ connection: redis.url, queue });
  const items = Array.from({ length: 24 }, (_, i): [string, number, number] => [file, i, 100]);
  const result = pool.starmap(tasks.record, items, { chunksize: 2 });
  expect(await waitUntil(() => lines(file).length >= 4, 10_000)).toBe(true);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 500));
  await redis.start();
  expect(await result).toEqual(items.map(([, i]) => i * 2));
  const ran = new Set(lines(file).map((l) => Number(l.split(' ')[0])));
  expect([...ran].sort((a, b) => a - b)).toEqual(items.map(([, i]) => i));
  // And the pool works on after the restart.
  expect(await pool.map(tasks.square, [7, 8])).toEqual([49, 64]);
});
