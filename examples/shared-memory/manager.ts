// Python: "multiprocessing.shared_memory", the two SharedMemoryManager examples: segments created
// by a manager's server process, which unlinks every one of them at shutdown.
//   run: pnpm --filter @multiproc/examples exec tsx shared-memory/manager.ts
import { Process, ShareableList, SharedMemoryManager, isMainProcess } from 'multiproc';

// Stores the squares of start … end - 1 in the list, a partial result of one process.
export function doWork(name: string, start: number, end: number): void {
  const sl = new ShareableList(null, { name });
  for (let i = start; i < end; i++) sl.set(i, i * i);
  sl.shm.close();
}

if (isMainProcess()) {
  const smm = new SharedMemoryManager();
  await smm.start(); // start the process that manages the shared memory blocks
  const sl = await smm.ShareableList([0, 1, 2, 3]);
  console.log(sl.toArray());
  const rawShm = await smm.SharedMemory(128);
  console.log(rawShm.size);
  const anotherSl = await smm.ShareableList('alpha');
  console.log(anotherSl.toArray());
  await smm.shutdown(); // unlinks sl, rawShm and anotherSl
  try {
    new ShareableList(null, { name: sl.shm.name });
  } catch (error) {
    console.log('after shutdown:', (error as NodeJS.ErrnoException).code);
  }
  for (const shm of [sl.shm, rawShm, anotherSl.shm]) shm.close();

  {
    await using smm = new SharedMemoryManager();
    await smm.start();
    const sl = await smm.ShareableList(Array.from({ length: 2000 }, () => 0));
    // Divide the work among two processes, storing partial results in sl
    const p1 = new Process({ target: doWork, args: [sl.shm.name, 0, 1000] });
    const p2 = new Process({ target: doWork, args: [sl.shm.name, 1000, 2000] });
    p1.start();
    p2.start(); // a Pool might be more efficient
    await p1.join();
    await p2.join(); // wait for all work to complete in both processes
    const totalResult = sl.toArray().reduce((sum: number, x) => sum + (x as number), 0);
    console.log(totalResult); // consolidate the partial results now in sl
    sl.shm.close();
  } // leaving the block shuts the manager down, which unlinks sl
}
