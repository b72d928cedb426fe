// A tour of the queues for the documentation's Queues page: timeouts, sizes, the Sync variants
// in a worker, `for await`, a JoinableQueue, a ring that grows and a large item.
//   run: pnpm --filter @multiproc/examples exec tsx queues/tour.ts
import { Empty, Full, JoinableQueue, Process, Queue, isMainProcess } from 'multiproc';

// A CPU-bound worker that blocks its own thread on the queue (never another process's loop).
export function squares(tasks: Queue<number | null>, results: Queue<number>): void {
  for (let n = tasks.getSync(); n !== null; n = tasks.getSync()) results.putSync(n * n);
}

// A consumer that marks every item done once it has handled it.
export async function consume(jobs: JoinableQueue<string>, log: Queue<string>): Promise<void> {
  for await (const job of jobs) {
    await log.put(`done ${job}`);
    jobs.taskDone();
  }
}

if (isMainProcess()) {
  // #region limits
  const q = new Queue<string>({ maxsize: 2 });
  await q.put('a');
  q.putNowait('b');
  console.log(q.qsize(), q.full(), q.empty()); // 2 true false
  try {
    await q.put('c', { timeout: 50 }); // no room for 50 ms
  } catch (error) {
    console.log(error instanceof Full, (error as Full).code); // true ERR_MP_FULL
  }
  console.log(await q.get(), q.getNowait()); // a b
  try {
    q.getSync({ block: false }); // one attempt, no wait
  } catch (error) {
    console.log(error instanceof Empty, (error as Empty).message); // true Queue is empty
  }
  q.close();
  // #endregion limits

  // #region sync-worker
  const tasks = new Queue<number | null>();
  const results = new Queue<number>();
  const worker = new Process({ target: squares, args: [tasks, results] });
  worker.start();
  for (const n of [1, 2, 3, 4]) await tasks.put(n);
  await tasks.put(null); // tells the worker to stop
  const got: number[] = [];
  for await (const square of results) {
    got.push(square);
    if (got.length === 4) break; // leaving the loop leaves the queue open
  }
  console.log(got); // [ 1, 4, 9, 16 ]
  await worker.join();
  // #endregion sync-worker

  // #region joinable
  const jobs = new JoinableQueue<string>();
  const log = new Queue<string>();
  const consumer = new Process({ target: consume, args: [jobs, log], daemon: true });
  consumer.start();
  for (const job of ['x', 'y', 'z']) await jobs.put(job);
  await jobs.join(); // every job was taken and marked done
  console.log(log.qsize(), await log.get(), await log.get(), await log.get()); // 3 done x done y done z
  consumer.terminate();
  await consumer.join();
  // #endregion joinable

  // #region large
  const items = new Queue<Uint8Array>({ ringBytes: 64 * 1024 }); // a 64 KiB first ring
  for (let i = 0; i < 100; i++) await items.put(new Uint8Array(4096).fill(i)); // the ring grows
  console.log(items.qsize()); // 100: 400 KiB put, and no put waited for a consumer
  await items.put(new Uint8Array(10 * 1024 * 1024).fill(7)); // over 2 MiB: a segment of its own
  let last = -1;
  for (let i = 0; i < 100; i++) last = (await items.get())[0] ?? -1;
  const big = await items.get();
  console.log(last, big.length, big[big.length - 1]); // 99 10485760 7
  items.close();
  // #endregion large
}
