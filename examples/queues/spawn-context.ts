// Python: "Contexts and start methods" — a Queue from `get_context('spawn')`.
//   run: pnpm --filter @multiproc/examples exec tsx queues/spawn-context.ts [spawn|thread]
import { getContext, isMainProcess, type Queue } from 'multiproc';

export async function foo(q: Queue<string>): Promise<void> {
  await q.put('hello');
}

if (isMainProcess()) {
  const method = process.argv[2] === 'thread' ? 'thread' : 'spawn';
  const ctx = getContext(method);
  const q = new ctx.Queue<string>();
  const p = new ctx.Process({ target: foo, args: [q] });
  p.start();
  console.log(await q.get());
  await p.join();
}
