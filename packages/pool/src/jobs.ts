/**
 * Jobs: what one call (`apply`, `map` …) does with its tasks' outcomes.
 */
import { AbortError, type EncodeContext } from '@multiproc/serialize';
import { encodeChunk } from './chunking.js';
import type { Engine } from './engine.js';
import { Task, type Job, type TaskOutcome } from './task.js';
import type { TaskBody } from './protocol.js';

/** How a call settles: the promise of `apply`/`map`, or an `AsyncResult`. */
export type Settle<R> = (outcome: { ok: true; value: R } | { ok: false; error: unknown }) => void;

/** The `AbortError` of a call cancelled through its signal. */
export function abortError(method: string, signal: AbortSignal): AbortError {
  return new AbortError(`pool.${method}() was aborted`, { cause: signal.reason });
}

/** Calls `onAbort` once if the signal aborts; returns the function that stops listening. */
export function watchSignal(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => undefined;
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

// Two copies, each with one kind of source: a single loop over both kinds would be polymorphic,
// and this copy is a fifth of a 1M-number map's time in the parent.
function copyNumbers(to: unknown[], start: number, from: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) to[start + i] = from[i];
}

function copyValues(to: unknown[], start: number, from: ArrayLike<unknown>, count: number): void {
  for (let i = 0; i < count; i++) to[start + i] = from[i];
}

/**
 * An array of `length` holes whose elements V8 stores as unboxed doubles from the start.
 *
 * `new Array(length)` makes tagged elements: the first float64 result stored into it makes V8
 * copy them all into a second, double backing store. For a million results that is 16 MB of
 * fresh memory instead of 8 (~4,000 page faults instead of ~2,000, measured) and a pass over a
 * million holes, in every `map` of numbers. Lengthening a one-element double array allocates the
 * double store directly; its first element is overwritten by the first chunk's results.
 */
function numberArray<R>(length: number): R[] {
  const array = [0.5];
  array.length = length;
  return array as R[];
}

/** One `apply`/`applyAsync` call: a single task whose one value is the result. */
export class ApplyJob<R> implements Job {
  readonly method: string;
  readonly timeout: number | null | undefined;
  #settle: Settle<R> | null;
  readonly #unwatch: () => void;

  constructor(
    engine: Engine,
    method: string,
    settle: Settle<R>,
    timeout: number | null | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.method = method;
    this.timeout = timeout;
    this.#settle = settle;
    this.#unwatch = watchSignal(signal, () =>
      engine.cancel(this, abortError(method, signal as AbortSignal), true),
    );
  }

  complete(_task: Task, outcome: TaskOutcome): void {
    const first = outcome.errors[0];
    if (first) this.#finish({ ok: false, error: first[1] });
    else this.#finish({ ok: true, value: outcome.values[0] as R });
  }

  fail(_task: Task, error: unknown): void {
    this.#finish({ ok: false, error });
  }

  #finish(outcome: Parameters<Settle<R>>[0]): void {
    const settle = this.#settle;
    if (!settle) return;
    this.#settle = null;
    this.#unwatch();
    settle(outcome);
  }
}

/**
 * One `map`/`starmap` call over items already in hand: chunks encoded as they are sent, results
 * in input order, the first error fails the call (and drops its queued chunks).
 */
export class MapJob<R> implements Job {
  readonly method: string;
  readonly timeout: number | null | undefined;
  readonly #engine: Engine;
  readonly #items: ArrayLike<unknown>;
  readonly #star: boolean;
  /**
   * Made when the first chunk is back, not at the call: a million-slot array takes milliseconds to
   * allocate, which the parent then spends while the workers already compute.
   */
  #results: R[] | undefined;
  #remaining = 0;
  #settle: Settle<R[]> | null;
  readonly #unwatch: () => void;

  constructor(
    engine: Engine,
    method: string,
    items: ArrayLike<unknown>,
    star: boolean,
    settle: Settle<R[]>,
    timeout: number | null | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.#engine = engine;
    this.method = method;
    this.#items = items;
    this.#star = star;
    this.timeout = timeout;
    this.#settle = settle;
    this.#unwatch = watchSignal(signal, () =>
      this.#fail(abortError(method, signal as AbortSignal), true),
    );
  }

  /** The call's tasks, one per chunk, bodies to be encoded when sent. */
  tasks(fnId: number, chunksize: number): Task[] {
    const n = this.#items.length;
    const tasks: Task[] = [];
    for (let start = 0; start < n; start += chunksize)
      tasks.push(new Task(this, fnId, start, Math.min(chunksize, n - start), null, true));
    this.#remaining = tasks.length;
    if (tasks.length === 0) this.#finish({ ok: true, value: [] });
    return tasks;
  }

  encodeTask(task: Task, context: EncodeContext): TaskBody {
    return encodeChunk(this.#items, task.start, task.count, this.#star, context);
  }

  complete(task: Task, outcome: TaskOutcome): void {
    if (!this.#settle) return;
    const first = outcome.errors[0];
    if (first) {
      this.#fail(first[1], false);
      return;
    }
    const { values } = outcome;
    let results = this.#results;
    if (values instanceof Float64Array) {
      results ??= this.#results = numberArray<R>(this.#items.length);
      copyNumbers(results, task.start, values, task.count);
    } else {
      results ??= this.#results = new Array<R>(this.#items.length);
      copyValues(results, task.start, values, task.count);
    }
    if (--this.#remaining === 0) this.#finish({ ok: true, value: results });
  }

  fail(_task: Task, error: unknown): void {
    this.#fail(error, false);
  }

  #fail(error: unknown, kill: boolean): void {
    if (!this.#settle) return;
    this.#finish({ ok: false, error });
    // The call has failed: its queued chunks are dropped (running ones finish, unless aborted).
    this.#engine.cancel(this, error, kill);
  }

  #finish(outcome: Parameters<Settle<R[]>>[0]): void {
    const settle = this.#settle;
    if (!settle) return;
    this.#settle = null;
    this.#unwatch();
    settle(outcome);
  }
}
