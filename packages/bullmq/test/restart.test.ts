// Redis restarts mid-run (append-only file on): what the README promises is that no work is lost
// and every result arrives exactly once, once Redis is back with its data.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DistributedPool } from '@multiproc/bullmq';
import { lines, tasks, tempDir, useCluster, waitUntil } from './helpers.js';

jest.setTimeout(40_000);

const queue = `restart-${randomUUID()}`;
const cluster = useCluster({ redis: { appendonly: true }, queue, workers: 2 });

test('a Redis restart mid-map: clients reconnect and every result arrives exactly once', async () => {
  const file = join(tempDir(), 'runs.txt');
  await using pool = new DistributedPool({ connection: cluster.redis.url, queue });
  const items = Array.from({ length: 24 }, (_, i): [string, number, number] => [file, i, 100]);
  const result = pool.starmap(tasks.record, items, { chunksize: 2 });
  expect(await waitUntil(() => lines(file).length >= 4, 10_000)).toBe(true);
  await cluster.redis.stop();
  await new Promise((r) => setTimeout(r, 500));
  await cluster.redis.start();
  expect(await result).toEqual(items.map(([, i]) => i * 2));
  const ran = new Set(lines(file).map((l) => Number(l.split(' ')[0])));
  expect([...ran].sort((a, b) => a - b)).toEqual(items.map(([, i]) => i));
  // And the pool works on after the restart.
  expect(await pool.map(tasks.square, [7, 8])).toEqual([49, 64]);
});
