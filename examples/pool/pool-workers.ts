// Python: "Using a pool of workers" (the multiprocessing docs' first Pool example).
//   run: pnpm --filter @multiproc/examples exec tsx pool/pool-workers.ts
import { Pool, TimeoutError, isMainProcess } from 'multiproc';

export function f(x: number): number {
  return x * x;
}

/** Python passes `os.getpid`; a function travels by reference, so export one that returns it. */
export function getpid(): number {
  return process.pid;
}

/** `time.sleep(seconds)`: keeps its worker busy that long. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Prints a list as Python does: `[0, 1, 4]`. */
const show = (values: unknown[]): string => `[${values.join(', ')}]`;

if (isMainProcess()) {
  {
    // start 4 worker processes
    await using pool = new Pool({ processes: 4 });

    // print "[0, 1, 4,..., 81]"
    console.log(show(await pool.map(f, range(10))));

    // print same numbers in arbitrary order
    for await (const i of pool.imapUnordered(f, range(10))) console.log(i);

    // evaluate "f(20)" asynchronously
    let res = pool.applyAsync(f, [20]); // runs in *only* one process
    console.log(await res.get(1000)); // prints "400"

    // evaluate "getpid()" asynchronously
    const pid = pool.applyAsync(getpid); // runs in *only* one process
    console.log(await pid.get(1000)); // prints the PID of that process

    // launching multiple evaluations asynchronously *may* use more processes
    const multipleResults = range(4).map(() => pool.applyAsync(getpid));
    console.log(show(await Promise.all(multipleResults.map((r) => r.get(1000)))));

    // make a single worker sleep for 10 secs
    const sleeping = pool.applyAsync(sleep, [10]);
    try {
      console.log(await sleeping.get(1000));
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      console.log('We lacked patience and got a multiprocessing.TimeoutError');
    }

    console.log('For the moment, the pool remains available for more work');
    res = pool.applyAsync(f, [3]);
    console.log(await res.get(1000)); // 9
  }
  // exiting the 'await using' block has stopped the pool
  console.log('Now the pool is closed and no longer available');
}
