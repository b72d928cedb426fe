// Python: the "Using Pool" example of the multiprocessing docs (apply_async, imap, imap_unordered,
// map, errors from each, and timeouts of AsyncResult.get() and IMapIterator.next()).
//   run: pnpm --filter @multiproc/examples exec tsx pool/using-pool.ts
import { Pool, TimeoutError, currentProcess, isMainProcess } from 'multiproc';

//
// Functions used by test code
//

// #region zero-division-error
/** Python's ZeroDivisionError. A class the parent cannot rebuild arrives as a RemoteError of that name. */
export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}
// #endregion zero-division-error

const sleep = (seconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function mul(a: number, b: number): Promise<number> {
  await sleep(0.5 * Math.random());
  return a * b;
}

export async function plus(a: number, b: number): Promise<number> {
  await sleep(0.5 * Math.random());
  return a + b;
}

// #region tasks
// Python puts the functions themselves in TASKS. Functions travel only as tasks, not inside
// arguments (API.md), so the tasks name them, and calculate() looks them up.
const functions = { mul, plus };
type Task = [name: keyof typeof functions, args: [number, number]];

export async function calculate(
  name: keyof typeof functions,
  args: [number, number],
): Promise<string> {
  const result = await functions[name](...args);
  return `${currentProcess().name} says that ${name}(${args.join(', ')}) = ${result}`;
}

export function calculatestar([name, args]: Task): Promise<string> {
  return calculate(name, args);
}
// #endregion tasks

// #region f
export function f(x: number): number {
  if (x === 5) throw new ZeroDivisionError('float division by zero');
  return 1.0 / (x - 5.0);
}
// #endregion f

export function pow3(x: number): number {
  return x ** 3;
}

export function noop(_x: number): void {}

//
// Test code
//

async function test(): Promise<void> {
  const PROCESSES = 4;
  console.log(`Creating pool with ${PROCESSES} processes\n`);

  await using pool = new Pool(PROCESSES);

  //
  // Tests
  //

  const TASKS: Task[] = [
    ...Array.from({ length: 10 }, (_, i): Task => ['mul', [i, 7]]),
    ...Array.from({ length: 10 }, (_, i): Task => ['plus', [i, 8]]),
  ];

  const results = TASKS.map((t) => pool.applyAsync(calculate, t));
  const imapIt = pool.imap(calculatestar, TASKS);
  const imapUnorderedIt = pool.imapUnordered(calculatestar, TASKS);

  console.log('Ordered results using pool.applyAsync():');
  for (const r of results) console.log('\t', await r.get());
  console.log();

  console.log('Ordered results using pool.imap():');
  for await (const x of imapIt) console.log('\t', x);
  console.log();

  console.log('Unordered results using pool.imapUnordered():');
  for await (const x of imapUnorderedIt) console.log('\t', x);
  console.log();

  console.log('Ordered results using pool.map() --- will block till complete:');
  for (const x of await pool.map(calculatestar, TASKS)) console.log('\t', x);
  console.log();

  //
  // Test error handling
  //

  console.log('Testing error handling:');

  const isZeroDivision = (e: unknown): boolean => (e as Error).name === 'ZeroDivisionError';
  const range10 = Array.from({ length: 10 }, (_, i) => i);

  try {
    console.log(await pool.apply(f, [5]));
    throw new Error('expected ZeroDivisionError');
  } catch (e) {
    if (!isZeroDivision(e)) throw e;
    console.log('\tGot ZeroDivisionError as expected from pool.apply()');
  }

  try {
    console.log(await pool.map(f, range10));
    throw new Error('expected ZeroDivisionError');
  } catch (e) {
    if (!isZeroDivision(e)) throw e;
    console.log('\tGot ZeroDivisionError as expected from pool.map()');
  }

  try {
    const all = [];
    for await (const x of pool.imap(f, range10)) all.push(x);
    console.log(all);
    throw new Error('expected ZeroDivisionError');
  } catch (e) {
    if (!isZeroDivision(e)) throw e;
    console.log('\tGot ZeroDivisionError as expected from list(pool.imap())');
  }

  const it = pool.imap(f, range10);
  let i = 0;
  for (; i < 10; i++) {
    let step: IteratorResult<number>;
    try {
      step = await it.next();
    } catch (e) {
      if (!isZeroDivision(e)) throw e;
      if (i === 5) continue;
      throw e;
    }
    if (step.done) break;
    if (i === 5) throw new Error('expected ZeroDivisionError');
  }
  if (i !== 10) throw new Error(`assert i == 9 failed: ${i - 1}`);
  console.log('\tGot ZeroDivisionError as expected from IMapIterator.next()');
  console.log();

  //
  // Testing timeouts
  //

  process.stdout.write('Testing ApplyResult.get() with timeout:');
  const res = pool.applyAsync(calculate, TASKS[0]);
  for (;;) {
    try {
      process.stdout.write(`\n\t${await res.get(20)}`);
      break;
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      process.stdout.write('.');
    }
  }
  console.log();
  console.log();

  process.stdout.write('Testing IMapIterator.next() with timeout:');
  const timed = pool.imap(calculatestar, TASKS);
  for (;;) {
    try {
      const step = await timed.next(20);
      if (step.done) break;
      process.stdout.write(`\n\t${step.value}`);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      process.stdout.write('.');
    }
  }
  console.log();
  console.log();
}

if (isMainProcess()) await test();
