// Node pools: 40 CPU-bound tasks on 1 worker, then on N. Usage: node.mjs <implementation> [--workers N]
import { createRequire } from 'node:module';
import { emit, params } from '../../lib/runner.mjs';
import { implFromArgs, openPool, workersFrom } from '../_pool-lib/pools.mjs';
import { median, secondsSince } from '../_pool-lib/stats.mjs';

const { burn } = createRequire(import.meta.url)('../_pool-lib/tasks.cjs');
const counts = params({ workers: 2, tasks: 40, taskMs: 20, repeats: 5 });
const impl = implFromArgs();
const workers = workersFrom(counts);

/** Iterations of burn() that take `taskMs` here, once the JIT has compiled it. */
function calibrate() {
  for (let i = 0; i < 5; i++) burn(1e6);
  const t0 = process.hrtime.bigint();
  burn(2e7);
  return Math.round((2e7 * counts.taskMs) / (secondsSince(t0) * 1000));
}

/** Milliseconds for the 40 tasks, submitted at once, on `pool`. */
async function timeTasks(pool, iterations) {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: counts.tasks }, () => pool.run('burn', iterations)));
  return secondsSince(t0) * 1000;
}

// Both pools open at once (idle workers cost no CPU), and each repetition times one, then the
// other: each ratio is taken a second apart, so a noisy neighbour falls on both alike.
const iterations = calibrate();
const single = await openPool(impl, 1);
const multi = await openPool(impl, workers);
for (const pool of [single, multi]) {
  await Promise.all(Array.from({ length: workers }, () => pool.run('burn', iterations)));
}
const ones = [];
const manys = [];
for (let r = 0; r < counts.repeats; r++) {
  ones.push(await timeTasks(single, iterations));
  manys.push(await timeTasks(multi, iterations));
}
await single.close();
await multi.close();
const speedups = ones.map((one, r) => one / manys[r]);
// With tasks not a multiple of the workers, the last round runs partly idle: 40 tasks on 16
// workers can go at most 40 / 3 = 13.3× faster. Hence `--param tasks=160` for 16 workers.
const ideal = counts.tasks / Math.ceil(counts.tasks / workers);
emit(
  { speedup: median(speedups), elapsedN: median(manys) },
  {
    workers,
    tasks: counts.tasks,
    iterations,
    elapsed1: median(ones),
    speedups,
    ideal,
    efficiency: median(speedups) / ideal,
  },
);
