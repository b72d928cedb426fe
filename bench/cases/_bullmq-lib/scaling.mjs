// Speedup from 1 to N worker processes, through Redis (N multiproc-worker "machines" of one
// process each) or on the local Pool (N processes). Usage: node.mjs redis|local
// `--param work=small`: map x*x over `items` integers in chunks of `chunksize`;
// `--param work=cpu`: `tasks` tasks of ~`taskMs` ms of CPU each (chunksize 1).
// Both sides are open at once (idle workers cost no CPU), and each repetition times 1, then N,
// so each ratio is taken within seconds and a noisy neighbour falls on both alike.
import { createRequire } from 'node:module';
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { startCluster } from './cluster.mjs';
import { median, secondsSince } from '../_pool-lib/stats.mjs';

const require = createRequire(import.meta.url);
const { square, burn } = require('../_pool-lib/tasks.cjs');
const { burnTimed } = require('./tasks.cjs');
const p = params({
  work: 'cpu',
  workers: 2,
  items: 100_000,
  chunksize: 1000,
  tasks: 40,
  taskMs: 20,
  repeats: 5,
});
const mode = process.argv[2];

function calibrate() {
  for (let i = 0; i < 5; i++) burn(1e6);
  const t0 = process.hrtime.bigint();
  burn(2e7);
  return Math.round((2e7 * p.taskMs) / (secondsSince(t0) * 1000));
}
const iterations = calibrate();
const items = Array.from({ length: p.items }, (_, i) => i);
const run = (pool) =>
  p.work === 'cpu'
    ? pool.map(
        burnTimed,
        Array.from({ length: p.tasks }, () => iterations),
        { chunksize: 1 },
      )
    : pool.map(square, items, { chunksize: p.chunksize });

const sides = [];
let cluster;
if (mode === 'redis') {
  const { DistributedPool } = await importOrUnavailable('@multiproc/bullmq');
  cluster = await startCluster();
  for (const [queue, n] of [
    ['one', 1],
    ['many', p.workers],
  ]) {
    const machines = await cluster.workers(n, queue);
    const pool = new DistributedPool({ connection: cluster.url, queue });
    sides.push({ pool, n, stop: () => machines.stop() });
  }
} else {
  const { Pool } = await importOrUnavailable('multiproc');
  for (const n of [1, p.workers]) sides.push({ pool: new Pool(n), n, stop: async () => {} });
}
for (const { pool, n } of sides)
  await Promise.all(Array.from({ length: n * 2 }, () => pool.apply(burn, [iterations])));
const ones = [];
const manys = [];
/** Of the CPU runs on N processes: the CPU time the tasks got over the wall time they ran. */
const shares = [];
for (let r = 0; r < p.repeats; r++) {
  for (const [side, into] of [
    [sides[0], ones],
    [sides[1], manys],
  ]) {
    const t0 = process.hrtime.bigint();
    const results = await run(side.pool);
    into.push(secondsSince(t0) * 1000);
    if (p.work === 'cpu' && into === manys) {
      const [cpu, wall] = results.reduce(([c, w], [tc, tw]) => [c + tc, w + tw], [0, 0]);
      shares.push(cpu / wall);
    }
  }
}
for (const { pool, stop } of sides) {
  pool.close();
  await pool.join();
  await stop();
}
await cluster?.stop();
const speedups = ones.map((one, r) => one / manys[r]);
emit(
  {
    speedup: median(speedups),
    elapsedN: median(manys),
    ...(p.work === 'cpu' ? { cpuShare: median(shares) } : {}),
  },
  { workers: p.workers, work: p.work, ones, manys },
);
