// The Synchronization page: a Semaphore lets at most two processes at a time into a section,
// whichever process they are in.
//   run: pnpm --filter @multiproc/examples exec tsx synchronize/semaphore.ts
import { Event, Process, Semaphore, Value, isMainProcess } from 'multiproc';
import { setTimeout as sleep } from 'node:timers/promises';

/** Stands for a download: counts who else is inside, and holds its slot until `go` is set. */
export async function download(
  slots: Semaphore,
  inside: Value<'i'>,
  peak: Value<'i'>,
  go: Event,
): Promise<void> {
  await slots.withLock(async () => {
    await inside.getLock().withLock(() => {
      inside.value += 1;
      peak.value = Math.max(peak.value, inside.value);
    });
    await go.wait();
    await sleep(10);
    await inside.getLock().withLock(() => {
      inside.value -= 1;
    });
  });
}

if (isMainProcess()) {
  const slots = new Semaphore(2); // at most two downloads at a time, across every process
  const inside = new Value('i', 0);
  const peak = new Value('i', 0);
  const go = new Event();
  const workers = Array.from(
    { length: 5 },
    () => new Process({ target: download, args: [slots, inside, peak, go] }),
  );
  for (const p of workers) p.start();
  // Let the downloads go once two are inside: the semaphore keeps the other three out.
  while (inside.value < 2) await sleep(10);
  await sleep(100);
  go.set();
  for (const p of workers) await p.join();
  console.log(`5 downloads, at most ${peak.value} at a time`);
}
