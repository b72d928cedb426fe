// The Processes page: the two start methods, and a context whose Process and Pool run on
// worker threads. Under tsx on Node 20 a worker thread cannot import a .ts file, so the
// functions given to the thread context here are self-contained (they travel as source).
//   run: pnpm --filter @multiproc/examples exec tsx process/thread-context.ts
import { getAllStartMethods, getContext, getStartMethod, isMainProcess } from 'multiproc';

if (isMainProcess()) {
  console.log(getAllStartMethods()); // [ 'spawn', 'thread' ]
  console.log(getStartMethod()); // 'spawn'

  const ctx = getContext('thread');
  const p = new ctx.Process({
    target: (n: number) => console.log(`thread child got ${n}`),
    args: [7],
  });
  p.start(); // runs in a worker thread
  await p.join();

  await using pool = new ctx.Pool(2); // workers are threads too
  console.log(await pool.map((x: number) => x * 10, [1, 2, 3]));
}
