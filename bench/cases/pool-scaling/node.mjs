// Node pools: 40 CPU-bound tasks on 1 worker, then on N. Usage: node.mjs <implementation> [--workers N]
import { createRequire } from 'node:module';
import { emit, params } from '../../lib/runner.mjs';
import { implFromArgs, openPool, workersFrom } from '../_pool-lib/pools.mjs';
import { median, secondsSince } from '../_pool-lib/stats.mjs';

const { burn } = createRequire(import.meta.url)('../_pool-lib/tasks.cjs');
const counts = params({ workers: 2, tasks: 40, taskMs: 20, repeats: 3 });
const impl = implFromArgs();
const workers = workersFrom(counts);

/** Iterations of burn() that take `taskMs` here, once the JIT has compiled it. */
function calibrate() {
  for (let i = 0; i < 5; i++) burn(1e6);
  const t0 = process.hrtime.bigint();
  burn(2e7);
  return Math.round((2e7 * counts.taskMs) / (secondsSince(t0) * 1000));
}

async function timeTasks(n, iterations) {
  const pool = await openPool(impl, n);
  await Promise.all(Array.from({ length: n }, () => pool.run('burn', iterations)));
  const times = [];
  for (let r = 0; r < counts.repeats; r++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: counts.tasks }, () => pool.run('burn', iterations)));
    times.push(secondsSince(t0) * 1000);
  }
  await pool.close();
  return median(times);
}

const iterations = calibrate();
const one = await timeTasks(1, iterations);
const many = await timeTasks(workers, iterations);
emit(
  { speedup: one / many, elapsedN: many },
  { workers, iterations, elapsed1: one, efficiency: one / many / workers },
);
