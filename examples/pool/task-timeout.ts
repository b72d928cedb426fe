// The Pool page: a per-task `timeout` kills a task that runs too long (and replaces its worker);
// a `signal` cancels a whole call.
//   run: pnpm --filter @multiproc/examples exec tsx pool/task-timeout.ts
import { Pool, isMainProcess } from 'multiproc';

/** Stands for real work: resolves after `ms` milliseconds. */
export function work(ms: number): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve(`worked ${ms} ms`), ms));
}

if (isMainProcess()) {
  await using pool = new Pool(2);

  console.log(await pool.apply(work, [10], { timeout: 5_000 }));

  try {
    await pool.apply(work, [60_000], { timeout: 200 }); // this one task may run 200 ms
  } catch (error) {
    console.log((error as Error).name, '-', (error as Error).message.split(';')[0]);
  }

  try {
    // the whole call gives up after 200 ms
    await pool.map(work, [60_000, 60_000], { signal: AbortSignal.timeout(200) });
  } catch (error) {
    console.log((error as Error).name);
  }

  console.log(await pool.apply(work, [20])); // the pool replaced the killed workers
}
