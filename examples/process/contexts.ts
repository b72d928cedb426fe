// Python: "Contexts and start methods", a context object from get_context(): the same API as the
// module, bound to one start method.
//   run: pnpm --filter @multiproc/examples exec tsx process/contexts.ts
import mp, { isMainProcess, type Queue } from 'multiproc';

export async function foo(q: Queue<string>): Promise<void> {
  await q.put('hello');
}

if (isMainProcess()) {
  const ctx = mp.getContext('spawn');
  const q = new ctx.Queue<string>();
  const p = new ctx.Process({ target: foo, args: [q] });
  p.start();
  console.log(await q.get());
  await p.join();
}
