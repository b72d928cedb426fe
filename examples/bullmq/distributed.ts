// A pool whose tasks run in `multiproc-worker` processes on any machine that reaches one Redis.
// Start a worker first (see bullmq/tasks.ts, run with `--import tsx` for a .ts module), then:
//   run: pnpm --filter @multiproc/examples exec tsx bullmq/distributed.ts [redis-url] [queue]
import { DistributedPool, taskRef } from '@multiproc/bullmq';

const connection = process.argv[2] ?? 'redis://127.0.0.1:6379';
const queue = process.argv[3] ?? 'pages';

// A task is named by its module and its export: the module must be at this path on every worker.
const tasks = new URL('./tasks.ts', import.meta.url).href;
const square = taskRef(tasks, 'square');
const render = taskRef(tasks, 'render');

await using pool = new DistributedPool({ connection, queue });

console.log(await pool.map(square, [1, 2, 3])); // [ 1, 4, 9 ]
console.log(await pool.apply(square, [12])); // 144

const progress: unknown[] = [];
for await (const html of pool.imap(render, [1, 2, 3], { onProgress: (e) => progress.push(e) })) {
  console.log(html); // in order; at most `maxInFlight` chunks are read ahead of this loop
}
console.log(progress.length); // 3: one report from each task
