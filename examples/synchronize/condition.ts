// The Synchronization page: a consumer waits on a Condition until an item is there; the producer
// adds items and notifies.
//   run: pnpm --filter @multiproc/examples exec tsx synchronize/condition.ts
import { Condition, Process, RawValue, isMainProcess } from 'multiproc';
import { setTimeout as sleep } from 'node:timers/promises';

export async function consumer(
  cond: Condition,
  items: RawValue<'i'>,
  count: number,
): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await cond.withLock(async () => {
      await cond.waitFor(() => items.value > 0);
      items.value -= 1;
    });
    console.log(`consumed item ${i}`);
  }
}

if (isMainProcess()) {
  const cond = new Condition();
  const items = new RawValue('i', 0); // guarded by the condition's lock
  const p = new Process({ target: consumer, args: [cond, items, 3] });
  p.start();
  for (let i = 0; i < 3; i++) {
    await sleep(50);
    await cond.withLock(() => {
      items.value += 1;
      cond.notify();
    });
  }
  await p.join();
  console.log(`left over: ${items.value}`);
}
