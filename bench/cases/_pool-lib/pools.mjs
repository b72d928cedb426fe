// One interface over every pool under test, so a case measures them all the same way:
//   const pool = await openPool('piscina', 2);
//   await pool.run('square', 3);          // one task
//   await pool.map('square', items);      // many items: multiproc and CPython chunk by themselves;
//                                         // the Node peers get batches (`squareBatch`)
//   await pool.close();
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { importOrUnavailable } from '../../lib/runner.mjs';

const require = createRequire(import.meta.url);
const tasksFile = fileURLToPath(new URL('./tasks.cjs', import.meta.url));
const tasks = require('./tasks.cjs');

/** The implementations, by the name a case's `args` use. */
export const implementations = {
  multiproc: { label: 'multiproc Pool', kind: 'process' },
  'multiproc-thread': { label: 'multiproc ThreadPool', kind: 'thread' },
  piscina: { label: 'piscina (threads)', kind: 'thread' },
  'tinypool-process': { label: 'tinypool (child_process)', kind: 'process' },
  'tinypool-thread': { label: 'tinypool (threads)', kind: 'thread' },
  'workerpool-process': { label: 'workerpool (process)', kind: 'process' },
  'workerpool-thread': { label: 'workerpool (thread)', kind: 'thread' },
  'jest-worker': { label: 'jest-worker (child_process)', kind: 'process' },
};

/** The module each implementation is imported from. */
const modules = {
  multiproc: 'multiproc',
  'multiproc-thread': 'multiproc',
  piscina: 'piscina',
  'tinypool-process': 'tinypool',
  'tinypool-thread': 'tinypool',
  'workerpool-process': 'workerpool',
  'workerpool-thread': 'workerpool',
  'jest-worker': 'jest-worker',
};

/**
 * Imports the implementation's module (or reports it unavailable), so that a measurement taken
 * afterwards does not count the library loaded in this process as part of its workers.
 *
 * @param {keyof typeof implementations} impl
 */
export async function preload(impl) {
  await importOrUnavailable(modules[impl]);
}

/**
 * Opens a pool of `workers` workers and makes sure every one of them has started (each pool runs
 * `workers × 4` trivial tasks at once first), so that what is measured afterwards is the steady
 * state, never a worker's start. With `started: false` it returns the pool as its constructor
 * left it, as a script that makes a pool and uses it at once sees it.
 *
 * @param {keyof typeof implementations} impl
 * @param {number} workers
 * @param {{ batch?: number, started?: boolean }} [options] batch: items per task when the peers map
 */
export async function openPool(impl, workers, { batch = 1000, started = true } = {}) {
  const pool = await open(impl, workers, batch);
  if (started)
    await Promise.all(Array.from({ length: workers * 4 }, (_, i) => pool.run('burn', 1000 + i)));
  return pool;
}

/** Splits items into batches, runs them all at once, and concatenates the results in order. */
async function inBatches(run, items, batch) {
  const jobs = [];
  for (let i = 0; i < items.length; i += batch)
    jobs.push(run('squareBatch', items.slice(i, i + batch)));
  const parts = await Promise.all(jobs);
  return parts.flat();
}

async function open(impl, workers, batch) {
  switch (impl) {
    case 'multiproc':
    case 'multiproc-thread': {
      const { Pool, ThreadPool } = await importOrUnavailable('multiproc');
      const pool = impl === 'multiproc' ? new Pool(workers) : new ThreadPool(workers);
      return {
        run: (name, arg) => pool.apply(tasks[name], [arg]),
        map: (name, items) => pool.map(tasks[name], items),
        workers: () => pool.workers(),
        close: async () => {
          pool.close();
          await pool.join();
        },
      };
    }
    case 'piscina': {
      const { Piscina } = await importOrUnavailable('piscina');
      const pool = new Piscina({ filename: tasksFile, minThreads: workers, maxThreads: workers });
      const run = (name, arg) => pool.run(arg, { name });
      return { run, map: (_n, items) => inBatches(run, items, batch), close: () => pool.destroy() };
    }
    case 'tinypool-process':
    case 'tinypool-thread': {
      const { Tinypool } = await importOrUnavailable('tinypool');
      const pool = new Tinypool({
        filename: tasksFile,
        runtime: impl === 'tinypool-process' ? 'child_process' : 'worker_threads',
        minThreads: workers,
        maxThreads: workers,
      });
      const run = (name, arg) => pool.run(arg, { name });
      return { run, map: (_n, items) => inBatches(run, items, batch), close: () => pool.destroy() };
    }
    case 'workerpool-process':
    case 'workerpool-thread': {
      const { default: workerpool } = await importOrUnavailable('workerpool');
      const pool = workerpool.pool(
        fileURLToPath(new URL('./workerpool-worker.cjs', import.meta.url)),
        {
          workerType: impl === 'workerpool-process' ? 'process' : 'thread',
          minWorkers: workers,
          maxWorkers: workers,
        },
      );
      const run = (name, arg) => pool.exec(name, [arg]);
      return {
        run,
        map: (_n, items) => inBatches(run, items, batch),
        close: () => pool.terminate(),
      };
    }
    case 'jest-worker': {
      const { Worker } = await importOrUnavailable('jest-worker');
      const pool = new Worker(tasksFile, {
        numWorkers: workers,
        exposedMethods: Object.keys(tasks),
      });
      const run = (name, arg) => pool[name](arg);
      return { run, map: (_n, items) => inBatches(run, items, batch), close: () => pool.end() };
    }
    default:
      throw new Error(`unknown pool implementation ${impl}`);
  }
}

/**
 * `--workers N` on the command line (running a runner by hand), else the harness's `workers`
 * parameter.
 *
 * @param {Record<string, unknown>} counts
 */
export function workersFrom(counts) {
  const i = process.argv.indexOf('--workers');
  return i > 0 ? Number(process.argv[i + 1]) : Number(counts.workers);
}

/** The implementation named by the runner's first argument. */
export function implFromArgs() {
  const impl = process.argv[2];
  if (!(impl in implementations)) throw new Error(`unknown implementation ${impl}`);
  return impl;
}
