// The multiproc demo: real processes, each doing real work, and what each of them did.
//   run: pnpm demo
import {
  Lock,
  Pipe,
  Pool,
  Process,
  RawValue,
  cpuCount,
  currentProcess,
  getContext,
  isMainProcess,
  type Connection,
} from 'multiproc';

/** Counts the primes below `limit` the slow way: real CPU work for a child. */
export function countPrimes(label: string, from: number, to: number): void {
  const started = performance.now();
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  const me = currentProcess();
  const where =
    me.startMethod === 'thread' ? `thread ${me.threadId} of pid ${me.pid}` : `pid ${me.pid}`;
  const ms = (performance.now() - started).toFixed(0);
  console.log(
    `  ${me.name.padEnd(10)} ${where.padEnd(20)} ${label}: ${count} primes in [${from}, ${to}) in ${ms} ms`,
  );
}

// #region subclass
/**
 * A self-contained function (it uses nothing from this module), so it travels by source. That is
 * what lets a thread-context worker run it even under a TypeScript loader: on Node 20, loaders
 * such as tsx do not reach worker threads, so a worker cannot import this .ts file.
 */
export function sumOfSquares(n: number): void {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += i * i;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- self-contained: require what it uses
  const { threadId } = require('node:worker_threads') as typeof import('node:worker_threads');
  console.log(
    `  thread ${threadId} of pid ${process.pid}: the sum of the first ${n} squares is ${sum}`,
  );
}
// #endregion subclass

/** A pool task: squares its input after ~30 ms of work, and says which worker process did it. */
export function squareWhere(x: number): [number, number] {
  const until = performance.now() + 30;
  while (performance.now() < until); // stands for real work
  return [x * x, process.pid];
}

// #region counter
/** Adds 1 to a shared counter `times` times, each under the shared lock. */
export function count(counter: RawValue<'i'>, lock: Lock, times: number): void {
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    counter.value += 1;
    lock.release();
  }
}
// #endregion counter

/** Answers every message on a pipe with its upper-cased text and this process's pid, until EOF. */
export async function echo(conn: Connection): Promise<void> {
  for (;;) {
    let text: string;
    try {
      text = await conn.recv<string>();
    } catch {
      return; // the other end closed the pipe
    }
    conn.send(`${text.toUpperCase()} (from pid ${process.pid})`);
  }
}

export function crash(): void {
  throw new RangeError('this child fails on purpose');
}

export function sleepForever(): Promise<void> {
  return new Promise(() => setInterval(() => undefined, 1000));
}

if (isMainProcess()) {
  console.log(`multiproc demo — main process pid ${process.pid}, ${cpuCount()} CPUs\n`);

  console.log('Three processes share the work of counting primes below 3,000,000:');
  const step = 1_000_000;
  const workers = [0, 1, 2].map(
    (i) => new Process({ target: countPrimes, args: [`part ${i + 1}`, i * step, (i + 1) * step] }),
  );
  for (const p of workers) p.start();
  console.log(`  started pids ${workers.map((p) => p.pid).join(', ')}`);
  await Promise.all(workers.map((p) => p.join()));
  console.log(`  exit codes: ${workers.map((p) => `${p.name}=${p.exitcode}`).join(', ')}\n`);

  console.log('A self-contained function in a worker thread (the thread start method):');
  const threaded = new (getContext('thread').Process)({ target: sumOfSquares, args: [1000] });
  threaded.start();
  await threaded.join();
  console.log(`  exit code ${threaded.exitcode}\n`);

  console.log('A pool of 2 worker processes maps a function over 8 items:');
  {
    await using pool = new Pool(2);
    const results = await pool.map(squareWhere, [1, 2, 3, 4, 5, 6, 7, 8], { chunksize: 1 });
    console.log(`  squares: [${results.map(([sq]) => sq).join(', ')}]`);
    const byPid = new Map<number, number>();
    for (const [, pid] of results) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    console.log(
      `  items per worker pid: ${[...byPid].map(([pid, n]) => `${pid}: ${n}`).join(', ')}\n`,
    );
  }

  console.log('4 processes add 10,000 each to one shared counter, under one Lock:');
  const counter = new RawValue('i', 0);
  const lock = new Lock();
  const adders = [0, 1, 2, 3].map(
    () => new Process({ target: count, args: [counter, lock, 10_000] }),
  );
  for (const p of adders) p.start();
  await Promise.all(adders.map((p) => p.join()));
  console.log(`  pids ${adders.map((p) => p.pid).join(', ')} → counter = ${counter.value}\n`);

  console.log('A Pipe to a child that answers each message:');
  const [here, there] = Pipe();
  const echoer = new Process({ target: echo, args: [there] });
  echoer.start();
  there.close();
  for (const word of ['hello', 'world']) {
    here.send(word);
    console.log(`  sent ${JSON.stringify(word)}, got ${JSON.stringify(await here.recv())}`);
  }
  here.close();
  await echoer.join();
  console.log(`  the child saw the pipe close and exited with ${echoer.exitcode}\n`);

  console.log('A child that throws: its stack goes to stderr, its exit code is 1:');
  const failing = new Process({ target: crash, name: 'Crasher' });
  failing.start();
  await failing.join();
  console.log(`  ${failing.name} (pid ${failing.pid}) exit code ${failing.exitcode}\n`);

  console.log('A child that never ends, terminated after 200 ms:');
  const stuck = new Process({ target: sleepForever, name: 'Sleeper' });
  stuck.start();
  await stuck.join(200);
  console.log(`  after join(200): alive=${stuck.isAlive()}, exitcode=${stuck.exitcode}`);
  stuck.terminate();
  await stuck.join();
  console.log(
    `  after terminate(): alive=${stuck.isAlive()}, exitcode=${stuck.exitcode} (-15 = SIGTERM)`,
  );
}
