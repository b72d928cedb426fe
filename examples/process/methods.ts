// Python: "Process and exceptions", example usage of some of the methods of Process.
//   run: pnpm --filter @multiproc/examples exec tsx process/methods.ts
import { Process, isMainProcess } from 'multiproc';
import { setTimeout as sleep } from 'node:timers/promises';

/** Python's time.sleep, in milliseconds: the target sleeps until it is terminated. */
export async function pause(ms: number): Promise<void> {
  await sleep(ms);
}

if (isMainProcess()) {
  const p = new Process({ target: pause, args: [1_000_000] });
  console.log(String(p), p.isAlive());
  p.start();
  console.log(String(p), p.isAlive());
  p.terminate();
  await p.join();
  console.log(String(p), p.isAlive());
  console.log(p.exitcode === -15);
}
