// The floor: memory of bare `child_process.fork` children, idle. Usage: raw.mjs [--empty]
// Without --empty, each child runs the same trivial tasks as a pool worker in node.mjs first
// (`burn`, 4 per worker, over Node's IPC channel), so V8 has compiled them as it has there.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, params, unavailable } from '../../lib/runner.mjs';
import { pssOf, rssOf } from '../_pool-lib/memory.mjs';
import { workersFrom } from '../_pool-lib/pools.mjs';

if (process.platform !== 'linux') unavailable('reads /proc (Linux only)');
const counts = params({ workers: 2, settleMs: 1000 });
const workers = workersFrom(counts);
const empty = process.argv.includes('--empty');
const script = fileURLToPath(new URL('./raw-child.cjs', import.meta.url));
const once = (child) => new Promise((resolve) => child.once('message', resolve));
const children = Array.from({ length: workers }, () =>
  fork(script, empty ? ['--empty'] : [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
);
await Promise.all(children.map(once));
for (let i = 0; i < 4; i++)
  await Promise.all(
    children.map((child) => {
      const reply = once(child);
      child.send({ name: 'burn', arg: 1000 + i });
      return reply;
    }),
  );
await new Promise((resolve) => setTimeout(resolve, counts.settleMs));
const pids = children.map((child) => child.pid);
const rss = pids.reduce((sum, pid) => sum + rssOf(pid), 0) / workers;
const pss = pids.reduce((sum, pid) => sum + pssOf(pid), 0) / workers;
for (const child of children) child.kill('SIGKILL');
emit({ rss, pss }, { workers, pids });
