// Node pools: sequential round trips of a trivial task. Usage: node.mjs <implementation> [--workers N]
import { emit, params, sample } from '../../lib/runner.mjs';
import { implFromArgs, openPool, workersFrom } from '../_pool-lib/pools.mjs';
import { startSpinners } from '../_pool-lib/stats.mjs';

const counts = params({ workers: 2, warmup: 5000, samples: 10000, spinners: 0 });
const impl = implFromArgs();
const stopSpinners = await startSpinners(counts.spinners);
const pool = await openPool(impl, workersFrom(counts));
const latencies = await sample(counts, async (i) => {
  const t0 = process.hrtime.bigint();
  const y = await pool.run('square', i);
  const micros = Number(process.hrtime.bigint() - t0) / 1e3;
  if (y !== i * i) throw new Error(`square(${i}) gave ${y}`);
  return micros;
});
await pool.close();
stopSpinners();
emit({ latency: latencies }, { spinners: counts.spinners });
