// Node pools: map x*x over the integers (multiproc chunks by itself; the peers get batches).
// Usage: node.mjs <implementation> [--workers N]
import { emit, params } from '../../lib/runner.mjs';
import { implFromArgs, openPool, workersFrom } from '../_pool-lib/pools.mjs';
import { median, secondsSince } from '../_pool-lib/stats.mjs';
import kase from './case.mjs';

// Running by hand, the case's own parameters are the defaults.
const counts = params(kase.params);
const impl = implFromArgs();
const workers = workersFrom(counts);
const items = Array.from({ length: counts.items }, (_, i) => i);
const last = (counts.items - 1) ** 2;

/** Items/s of one `map` over `items`, its results checked. */
async function timedMap(pool) {
  const t0 = process.hrtime.bigint();
  const out = await pool.map('square', items);
  const seconds = secondsSince(t0);
  if (out.length !== items.length || out[out.length - 1] !== last || out[1] !== 1)
    throw new Error(`wrong results: ${out.length} items, last ${out[out.length - 1]}`);
  return items.length / seconds;
}

// The first call, first thing in this fresh process: what a script that calls `map` once sees.
// A fresh pool (not started beforehand) maps a few items (which starts it), then the one large
// map is timed. Only the code that the small map ran is warm, here and in the workers.
const small = Array.from({ length: counts.firstWarmup }, (_, i) => i);
const fresh = await openPool(impl, workers, { batch: counts.batch, started: false });
await fresh.map('square', small);
const firstRate = await timedMap(fresh);
await fresh.close();

const pool = await openPool(impl, workers, { batch: counts.batch });
const rates = [];
for (let r = 0; r < counts.warmup + counts.repeats; r++) {
  const rate = await timedMap(pool);
  if (r >= counts.warmup) rates.push(rate);
}
await pool.close();

emit(
  { itemsPerSecond: median(rates), firstItemsPerSecond: firstRate },
  { workers, repeats: rates },
);
