/**
 * `Barrier`: `parties` processes or threads wait until all have arrived, then all go on.
 *
 * Layout (a 64-byte heap block, Int32 words):
 *
 * ```
 *  word  0 … 7          8      9          10      11      12        13 … 15
 *      ┌──────────────┬──────┬──────────┬───────┬───────┬─────────┬────────┐
 *      │ mutex        │ seq  │ sleepers │ state │ count │ parties │ unused │
 *      │ (mutex.ts)   │      │          │       │       │         │        │
 *      └──────────────┴──────┴──────────┴───────┴───────┴─────────┴────────┘
 *  state: 0 filling, 1 draining, -1 resetting, -2 broken
 * ```
 *
 * The algorithm is CPython's `threading.Barrier`, line for line, over an internal mutex (the
 * engine of `Lock`, so a process that dies inside it does not wedge the barrier) and a broadcast
 * condition: `seq` is bumped by every notify-all, and a waiter sleeps on it while it holds the
 * value read under the mutex. The last party to arrive runs `action`, switches to draining and
 * wakes the others; arrivals wait while the barrier drains or resets, so a fast party cannot
 * lap a slow one into the next round.
 *
 * A party that dies *waiting* leaves `count` raised: the barrier then never fills again. The
 * others find out only by their timeouts (which break the barrier), as in Python; give a
 * `timeout` where parties may die.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { futexWake } from '@multiproc/native';
import {
  BrokenBarrierError,
  describeFunction,
  invalidArgument,
  resolveFunction,
  resolveFunctionSync,
  type FunctionSpec,
} from '@multiproc/serialize';
import { Received, SharedObject, shareObject } from '@multiproc/shared-memory/internal';
import { MutexCore, kMutexWords } from './mutex.js';
import {
  checkTimeout,
  deadlineOf,
  expired,
  remaining,
  runAsync,
  runSync,
  rejecting,
  type Waiting,
} from './wait.js';

const kBytes = 64;
const kSeq = 8;
const kSleepers = 9;
const kState = 10;
const kCount = 11;
const kParties = 12;

const kFilling = 0;
const kDraining = 1;
const kResetting = -1;
const kBroken = -2;

/**
 * Options of `new Barrier(parties, options)`.
 *
 * @example
 * ```ts
 * new Barrier(3, { action: logRound, timeout: 5000 });
 * ```
 */
export interface BarrierOptions {
  /**
   * Called by the last party to arrive, before any party is released. If it throws, the barrier
   * breaks. It runs in whichever process arrives last, so it must be sendable (an exported
   * function, or a self-contained one). A returned promise is awaited by `wait()`.
   */
  action?: Action | undefined;
  /**
   * The default timeout of `wait()`, in ms; `undefined` waits forever.
   * @default undefined
   */
  timeout?: number | undefined;
}

/** What travels for a Barrier besides its block. */
interface BarrierHandle {
  action: FunctionSpec | null;
  timeout: number | null;
}

type Action = () => unknown;

const nodeRequire = createRequire(import.meta.url);

/**
 * Loads a received action without waiting, where that is possible: a source or global function,
 * or an export of a module `require()` can load (CommonJS, and ES modules without top-level
 * await on Node ≥ 20.19). `undefined` otherwise.
 */
function resolveActionSync(spec: FunctionSpec): Action | undefined {
  if (spec.kind === 'global') {
    let value: unknown = globalThis;
    for (const part of spec.path.split('.')) value = (value as Record<string, unknown>)?.[part];
    return typeof value === 'function' ? (value as Action) : undefined;
  }
  if (spec.kind === 'source') return resolveFunctionSync(spec);
  try {
    const file = spec.module.startsWith('file:') ? fileURLToPath(spec.module) : spec.module;
    const exports = nodeRequire(file) as Record<string, unknown>;
    const value =
      exports[spec.name] ??
      (spec.name === 'default'
        ? exports
        : (exports.default as Record<string, unknown>)?.[spec.name]);
    return typeof value === 'function' ? (value as Action) : undefined;
  } catch {
    return undefined;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A barrier in shared memory, as Python's `multiprocessing.Barrier`: each of `parties`
 * processes (or threads) calls `wait()`; all are released together once the last arrives, and
 * each gets a distinct index `0 … parties-1`. `abort()`, `reset()`, or a timeout break it:
 * waiters then reject with `BrokenBarrierError`.
 *
 * @example
 * ```ts
 * import { Barrier } from '@multiproc/synchronize';
 *
 * const barrier = new Barrier(3);
 * // in each of three processes:
 * const index = await barrier.wait();
 * if (index === 0) console.log('everyone is here');
 * ```
 */
export class Barrier extends SharedObject {
  readonly #words: Int32Array;
  readonly #mutex: MutexCore;
  /** The action: a function, or (received from another process) how to load it. */
  #action: Action | FunctionSpec | undefined;
  readonly #timeout: number | undefined;

  /**
   * @param parties - how many must call `wait()` before all go on: a positive integer.
   */
  constructor(parties: number, options?: BarrierOptions);
  constructor(parties: number | Received<BarrierHandle>, options: BarrierOptions = {}) {
    let action: Action | FunctionSpec | undefined;
    let timeout: number | undefined;
    if (Received.is(parties)) {
      const data = parties.data;
      action = data.action ?? undefined;
      timeout = data.timeout ?? undefined;
    } else {
      if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) {
        throw invalidArgument('parties', 'a positive integer', parties);
      }
      if (typeof options !== 'object' || options === null) {
        throw invalidArgument('options', 'an object like { action, timeout }', options);
      }
      action = options.action;
      if (action !== undefined && typeof action !== 'function') {
        throw invalidArgument('options.action', 'a function', action);
      }
      timeout = checkTimeout(options.timeout, 'options.timeout');
    }
    super('Barrier', typeof parties === 'number' ? kBytes : parties);
    this.#timeout = timeout;
    this.#action = action;
    this.#words = this.int32(kBytes / 4);
    this.#mutex = new MutexCore(this.#words.subarray(0, kMutexWords), 'lock');
    if (this.fresh) Atomics.store(this.#words, kParties, parties as number);
  }

  /** How many parties the barrier waits for. */
  get parties(): number {
    return Atomics.load(this.#words, kParties);
  }

  /** How many parties are waiting in the current round. */
  get nWaiting(): number {
    const w = this.#words;
    return Atomics.load(w, kState) === kFilling ? Atomics.load(w, kCount) : 0;
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return Atomics.load(this.#words, kState) === kBroken;
  }

  *#lock(): Waiting<void> {
    if (!this.#mutex.tryFast()) yield* this.#mutex.acquire(undefined);
  }

  #notifyAll(): void {
    const w = this.#words;
    Atomics.add(w, kSeq, 1);
    if (Atomics.load(w, kSleepers) !== 0) futexWake(w, kSeq, Infinity);
  }

  /** Releases the mutex, sleeps until a notify-all (or the deadline), takes the mutex again. */
  *#condWait(deadline: number | undefined): Waiting<void> {
    const w = this.#words;
    const seq = Atomics.load(w, kSeq);
    Atomics.add(w, kSleepers, 1);
    this.#mutex.release();
    try {
      while (Atomics.load(w, kSeq) === seq && !expired(deadline)) {
        yield { view: w, index: kSeq, expected: seq, timeout: remaining(deadline), spin: true };
      }
    } finally {
      Atomics.sub(w, kSleepers, 1);
      yield* this.#lock();
    }
  }

  #break(): void {
    Atomics.store(this.#words, kState, kBroken);
    this.#notifyAll();
  }

  *#wait(deadline: number | undefined): Waiting<number> {
    const w = this.#words;
    yield* this.#lock();
    try {
      while (w[kState] === kDraining || w[kState] === kResetting) {
        if (expired(deadline)) {
          this.#break();
          throw new BrokenBarrierError('the barrier timed out while the previous round drained');
        }
        yield* this.#condWait(deadline);
      }
      if (w[kState]! < 0) throw new BrokenBarrierError();
      const index = w[kCount]!;
      w[kCount] = index + 1;
      try {
        if (index + 1 === w[kParties]) {
          try {
            let action = this.#action;
            if (action !== undefined && typeof action !== 'function') {
              const spec = action;
              action = resolveActionSync(spec);
              if (action === undefined) {
                yield resolveFunction(spec).then((fn) => {
                  action = fn;
                });
              }
              if (action === undefined) {
                throw new TypeError(
                  `the barrier's action (${spec.kind === 'ref' ? `${spec.name} of ${spec.module}` : 'a function'}) ` +
                    'could not be loaded synchronously: use await barrier.wait()',
                );
              }
              this.#action = action;
            }
            const result = action?.();
            if (isPromiseLike(result)) yield result;
            w[kState] = kDraining;
            this.#notifyAll();
          } catch (error) {
            this.#break();
            throw error;
          }
        } else {
          while (w[kState] === kFilling) {
            if (expired(deadline)) {
              this.#break();
              throw new BrokenBarrierError('the barrier timed out');
            }
            yield* this.#condWait(deadline);
          }
          if (w[kState]! < 0) throw new BrokenBarrierError();
        }
        return index;
      } finally {
        w[kCount] = w[kCount] - 1;
        if (w[kCount] === 0 && (w[kState] === kResetting || w[kState] === kDraining)) {
          w[kState] = kFilling;
          this.#notifyAll();
        }
      }
    } finally {
      this.#mutex.release();
    }
  }

  #deadline(timeout: unknown): number | undefined {
    this.assertOpen();
    return deadlineOf(timeout === undefined ? this.#timeout : checkTimeout(timeout));
  }

  /**
   * Waits, without blocking the event loop, until all parties have called `wait()`; resolves
   * this party's arrival index (`0 … parties-1`). Rejects with `BrokenBarrierError` if the
   * barrier is or becomes broken, or when `timeout` (default: the barrier's) passes, which
   * breaks it for everyone.
   *
   * @example
   * ```ts
   * const index = await barrier.wait(5000);
   * ```
   */
  wait(timeout?: number): Promise<number> {
    return rejecting(() => runAsync(this.#wait(this.#deadline(timeout))));
  }

  /**
   * {@link wait}, blocking the calling thread. A promise returned by `action` is not awaited.
   *
   * @example
   * ```ts
   * const index = barrier.waitSync();
   * ```
   */
  waitSync(timeout?: number): number {
    return runSync(this.#wait(this.#deadline(timeout)));
  }

  /**
   * Returns the barrier to its empty state. Parties waiting now reject with
   * `BrokenBarrierError`; later ones wait as usual.
   *
   * @example
   * ```ts
   * barrier.reset();
   * ```
   */
  reset(): void {
    this.assertOpen();
    const w = this.#words;
    runSync(this.#lock());
    try {
      if (w[kCount]! > 0) {
        if (w[kState] === kFilling || w[kState] === kBroken) w[kState] = kResetting;
      } else {
        w[kState] = kFilling;
      }
      this.#notifyAll();
    } finally {
      this.#mutex.release();
    }
  }

  /**
   * Breaks the barrier: waiting parties and every later `wait()` reject with
   * `BrokenBarrierError` until `reset()`.
   *
   * @example
   * ```ts
   * barrier.abort(); // a party failed; do not leave the others waiting
   * ```
   */
  abort(): void {
    this.assertOpen();
    runSync(this.#lock());
    try {
      this.#break();
    } finally {
      this.#mutex.release();
    }
  }

  /** @internal What travels besides the block. */
  static handleData(barrier: Barrier): BarrierHandle {
    const action = barrier.#action;
    return {
      action:
        action === undefined
          ? null
          : typeof action === 'function'
            ? describeFunction(action, 'options.action')
            : action,
      timeout: barrier.#timeout ?? null,
    };
  }
}

shareObject('multiproc.Barrier', Barrier, import.meta.url, (barrier) =>
  Barrier.handleData(barrier),
);
