// map x*x over 100k integers: DistributedPool through Redis, or the local Pool. Usage: node.mjs redis|local
import { createRequire } from 'node:module';
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { startCluster } from '../_bullmq-lib/cluster.mjs';
import { median, secondsSince } from '../_pool-lib/stats.mjs';

const { square, burn } = createRequire(import.meta.url)('../_pool-lib/tasks.cjs');
const p = params({ items: 100_000, workers: 2, chunksize: 1000, warmup: 2, repeats: 5 });
const mode = process.argv[2];
const items = Array.from({ length: p.items }, (_, i) => i);
const last = (p.items - 1) ** 2;

let pool;
let cleanup;
if (mode === 'redis') {
  const { DistributedPool } = await importOrUnavailable('@multiproc/bullmq');
  const cluster = await startCluster();
  const machines = await cluster.workers(p.workers, 'bench-map');
  const dpool = new DistributedPool({ connection: cluster.url, queue: 'bench-map' });
  pool = { map: () => dpool.map(square, items, { chunksize: p.chunksize }) };
  await Promise.all(Array.from({ length: p.workers * 4 }, (_, i) => dpool.apply(burn, [1000 + i])));
  cleanup = async () => {
    dpool.close();
    await dpool.join();
    await machines.stop();
    await cluster.stop();
  };
} else {
  const { Pool } = await importOrUnavailable('multiproc');
  const local = new Pool(p.workers);
  await Promise.all(Array.from({ length: p.workers * 4 }, (_, i) => local.apply(burn, [1000 + i])));
  pool = { map: () => local.map(square, items) };
  cleanup = async () => {
    local.close();
    await local.join();
  };
}
const rates = [];
for (let r = 0; r < p.warmup + p.repeats; r++) {
  const t0 = process.hrtime.bigint();
  const out = await pool.map();
  const seconds = secondsSince(t0);
  if (out.length !== items.length || out[out.length - 1] !== last) throw new Error('wrong results');
  if (r >= p.warmup) rates.push(items.length / seconds);
}
await cleanup();
emit({ itemsPerSecond: median(rates) }, { repeats: rates });
