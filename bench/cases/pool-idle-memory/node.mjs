// Node pools: memory per idle worker. Usage: node.mjs <implementation> [--workers N]
import { emit, params, unavailable } from '../../lib/runner.mjs';
import { childrenOf, pssOf, rssOf } from '../_pool-lib/memory.mjs';
import {
  implFromArgs,
  implementations,
  openPool,
  preload,
  workersFrom,
} from '../_pool-lib/pools.mjs';

if (process.platform !== 'linux') unavailable('reads /proc (Linux only)');
const counts = params({ workers: 2, settleMs: 1000 });
const impl = implFromArgs();
const workers = workersFrom(counts);
// The library itself, loaded in this process, is not the workers' memory (for a thread pool it
// would be counted as theirs: the growth of this process is all that is measured there).
await preload(impl);
const before = rssOf(process.pid);
const pool = await openPool(impl, workers);
await new Promise((resolve) => setTimeout(resolve, counts.settleMs));
let rss;
let pss;
let info;
if (implementations[impl].kind === 'process') {
  const pids = childrenOf(process.pid);
  if (pids.length !== workers)
    throw new Error(`expected ${workers} worker processes, found ${pids.length}`);
  rss = pids.reduce((sum, pid) => sum + rssOf(pid), 0) / pids.length;
  pss = pids.reduce((sum, pid) => sum + pssOf(pid), 0) / pids.length;
  info = { pids };
} else {
  rss = pss = (rssOf(process.pid) - before) / workers;
  info = { before, after: rssOf(process.pid) };
}
await pool.close();
emit({ rss, pss }, { workers, ...info });
