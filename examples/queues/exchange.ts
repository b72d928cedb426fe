// Python: "Exchanging objects between processes" — Queues.
//   run: pnpm --filter @multiproc/examples exec tsx queues/exchange.ts
import { Process, Queue, isMainProcess } from 'multiproc';

export async function f(q: Queue<unknown[]>): Promise<void> {
  await q.put([42, null, 'hello']);
}

if (isMainProcess()) {
  const q = new Queue<unknown[]>();
  const p = new Process({ target: f, args: [q] });
  p.start();
  console.log(await q.get()); // prints "[ 42, null, 'hello' ]"
  await p.join();
}
