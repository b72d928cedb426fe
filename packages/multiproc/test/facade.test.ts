import mp, * as named from 'multiproc';
import * as poolPackage from '@multiproc/pool';
import * as connectionPackage from '@multiproc/connection';
import * as processPackage from '@multiproc/process';
import * as serializePackage from '@multiproc/serialize';
import * as sharedctypesPackage from '@multiproc/sharedctypes';
import * as synchronizePackage from '@multiproc/synchronize';

/**
 * Every top-level name of API.md, by the package that owns it. `Array` (`mp.Array`) is on the
 * default export only and is checked apart.
 */
const contract = {
  serialize: [
    'AbortError',
    'AuthenticationError',
    'BrokenBarrierError',
    'BufferTooShort',
    'EOFError',
    'Empty',
    'Full',
    'MultiprocError',
    'ProcessError',
    'RemoteError',
    'TimeoutError',
    'WorkerLostError',
    'taskRef',
  ],
  process: [
    'Process',
    'activeChildren',
    'cpuCount',
    'currentProcess',
    'getAllStartMethods',
    'getContext',
    'getStartMethod',
    'isMainProcess',
    'parentProcess',
    'setStartMethod',
  ],
  connection: [
    'Client',
    'Connection',
    'Listener',
    'Pipe',
    'answerChallenge',
    'deliverChallenge',
    'wait',
  ],
  synchronize: [
    'Barrier',
    'BoundedSemaphore',
    'Condition',
    'Event',
    'FileLock',
    'Lock',
    'LockGuard',
    'RLock',
    'Semaphore',
  ],
  sharedctypes: ['RawArray', 'RawValue', 'SharedArray', 'Value'],
  'shared-memory': ['ShareableList', 'SharedMemory'],
  pool: ['AsyncResult', 'IMapIterator', 'Pool', 'ThreadPool'],
  queues: ['JoinableQueue', 'Queue', 'SimpleQueue'],
  // `BaseProxy` (custom proxy types) and `AsyncQueue` (a queue a remote manager serves) are what
  // Python imports from `multiprocessing.managers` and `queue` to write its manager examples.
  // `Namespace` is a method of a manager, as in Python, not a top-level name.
  managers: [
    'AsyncQueue',
    'BaseManager',
    'BaseProxy',
    'Manager',
    'SharedMemoryManager',
    'SyncManager',
  ],
} as const;

describe('the multiproc facade', () => {
  it('exports every name both as a named export and on the default export', () => {
    const names = Object.keys(named).filter((n) => n !== 'default');
    // `mp.Array` (Python's name for SharedArray) is on the default export only.
    expect(names.sort()).toEqual(
      Object.keys(mp)
        .filter((n) => n !== 'Array')
        .sort(),
    );
    expect(mp.Array).toBe(mp.SharedArray);
    for (const name of names)
      expect((mp as Record<string, unknown>)[name]).toBe((named as Record<string, unknown>)[name]);
  });

  it('re-exports the owning packages without wrapping them', () => {
    expect(mp.Process).toBe(processPackage.Process);
    expect(mp.currentProcess).toBe(processPackage.currentProcess);
    expect(mp.TimeoutError).toBe(serializePackage.TimeoutError);
    expect(mp.taskRef).toBe(serializePackage.taskRef);
    expect(mp.Pool).toBe(poolPackage.Pool);
    expect(mp.ThreadPool).toBe(poolPackage.ThreadPool);
    expect(mp.AsyncResult).toBe(poolPackage.AsyncResult);
    expect(mp.IMapIterator).toBe(poolPackage.IMapIterator);
    expect(mp.Lock).toBe(synchronizePackage.Lock);
    expect(mp.BrokenBarrierError).toBe(synchronizePackage.BrokenBarrierError);
    expect(mp.Value).toBe(sharedctypesPackage.Value);
    expect(mp.Array).toBe(sharedctypesPackage.SharedArray);
    expect(mp.Pipe).toBe(connectionPackage.Pipe);
    expect(mp.wait).toBe(connectionPackage.wait);
    expect(mp.EOFError).toBe(connectionPackage.EOFError);
  });

  it('exports exactly the names of the contract (API.md)', () => {
    const expected = Object.values(contract).flat().sort();
    const names = Object.keys(named).filter((n) => n !== 'default');
    expect(names.sort()).toEqual(expected);
    for (const name of expected)
      expect([name, typeof (mp as Record<string, unknown>)[name]]).toEqual([name, 'function']);
    expect(new mp.TimeoutError()).toBeInstanceOf(mp.ProcessError);
    expect(new mp.AbortError().name).toBe('AbortError');
  });

  it('gives context objects bound to a start method', () => {
    const thread = mp.getContext('thread');
    expect(thread.getStartMethod()).toBe('thread');
    expect(new thread.Process({ target: Math.abs }).startMethod).toBe('thread');
    expect(mp.getContext('spawn').Process).not.toBe(thread.Process);
    expect(mp.getContext()).toBe(mp.getContext(mp.getStartMethod()));
    expect(() => mp.getContext('fork' as never)).toThrow(
      "method must be one of 'spawn', 'thread', got \"fork\" (string)",
    );
    expect(mp.getAllStartMethods()).toEqual(['spawn', 'thread']);
  });

  it('gives context objects with every member of the facade', async () => {
    const thread = mp.getContext('thread');
    const own = new Set(['Process', 'Pool', 'getContext', 'getStartMethod', 'setStartMethod']);
    for (const [name, value] of Object.entries(mp)) {
      if (own.has(name)) continue;
      expect([name, (thread as unknown as Record<string, unknown>)[name]]).toEqual([name, value]);
    }
    expect(thread.Array).toBe(mp.SharedArray);
    // A lock and a value made through a context work with that context's processes.
    const lock = new thread.Lock();
    const counter = new thread.Value('i', 0, { lock: false });
    const workers = [1, 2].map(
      () =>
        new thread.Process({
          target: (l: typeof lock, c: typeof counter) => {
            for (let i = 0; i < 500; i++) l.withLockSync(() => (c.value += 1));
          },
          args: [lock, counter],
        }),
    );
    for (const w of workers) w.start();
    for (const w of workers) await w.join(5000);
    expect(workers.map((w) => w.exitcode)).toEqual([0, 0]);
    expect(counter.value).toBe(1000);
  });

  it('gives context objects whose Pool uses their start method', async () => {
    const thread = mp.getContext('thread');
    expect(thread.Process).toBe(processPackage.getContext('thread').Process);
    expect(thread).toBeInstanceOf(processPackage.ProcessContext);
    expect(thread.ThreadPool).toBe(mp.ThreadPool);
    expect(mp.getContext('thread').Pool).toBe(thread.Pool);
    expect(mp.getContext('spawn').Pool).not.toBe(thread.Pool);
    const pool = new thread.Pool(1);
    expect(pool).toBeInstanceOf(mp.Pool);
    try {
      // A worker thread runs in this very process.
      expect(await pool.apply(() => process.pid)).toBe(process.pid);
      expect(pool.workers().map((w) => w.name)).toEqual(['PoolWorker-1']);
    } finally {
      pool.terminate();
      await pool.join();
    }
  });
});
