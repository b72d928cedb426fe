// Python: "Contexts and start methods", choosing the start method with set_start_method().
//   run: pnpm --filter @multiproc/examples exec tsx process/start-method.ts
import mp, { isMainProcess, type Queue } from 'multiproc';

export async function foo(q: Queue<string>): Promise<void> {
  await q.put('hello');
}

if (isMainProcess()) {
  mp.setStartMethod('spawn');
  const q = new mp.Queue<string>();
  const p = new mp.Process({ target: foo, args: [q] });
  p.start();
  console.log(await q.get());
  await p.join();
}
