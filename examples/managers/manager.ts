// Python: "Sharing state between processes", server process: a manager's dict and list,
// changed by a child process, seen changed by the parent.
//   run: pnpm --filter @multiproc/examples exec tsx managers/manager.ts
import { Manager, Process, isMainProcess, type DictProxy, type ListProxy } from 'multiproc';

export async function f(d: DictProxy, l: ListProxy<number>): Promise<void> {
  await d.set(1, '1');
  await d.set('2', 2);
  await d.set(0.25, null);
  await l.reverse();
}

if (isMainProcess()) {
  await using manager = await Manager();
  const d = await manager.dict();
  const l = await manager.list(Array.from({ length: 10 }, (_, i) => i));

  const p = new Process({ target: f, args: [d, l] });
  p.start();
  await p.join();

  console.log(await d.copy());
  console.log(await l.copy());
}
