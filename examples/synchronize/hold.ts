// The Synchronization page: `using` a lock's guard, which releases it at the end of the block,
// even on a throw. holdSync() blocks the thread (a CPU-bound child); hold() awaits.
//   run: pnpm --filter @multiproc/examples exec tsx synchronize/hold.ts
import { Lock, Process, RawValue, isMainProcess } from 'multiproc';

export function addSync(lock: Lock, counter: RawValue<'i'>, times: number): void {
  for (let i = 0; i < times; i++) {
    using _held = lock.holdSync();
    counter.value += 1;
  } // released here, even on a throw
}

export async function addAsync(lock: Lock, counter: RawValue<'i'>, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await using _held = await lock.hold({ timeout: 1000 }); // TimeoutError after 1 s
    counter.value += 1;
  }
}

if (isMainProcess()) {
  const lock = new Lock();
  const counter = new RawValue('i', 0);
  const children = [
    new Process({ target: addSync, args: [lock, counter, 5000] }),
    new Process({ target: addAsync, args: [lock, counter, 5000] }),
  ];
  for (const p of children) p.start();
  await addAsync(lock, counter, 5000);
  for (const p of children) await p.join();
  console.log(counter.value); // 15000: no increment was lost
}
