/**
 * Running the items of one chunk in a worker: `fn(item)` (or `fn(...item)` for starmap) for each,
 * in order, recording each result or error. A chunk of float64s whose results are all numbers
 * never leaves float64 arrays (the `map` fast path).
 */
import { uninitializedF64 } from './protocol.js';

type Fn = (...args: unknown[]) => unknown;

/**
 * Where `mapNumbers` stopped: the result of the item it stopped at, when that was not a number,
 * and the item whose call threw. Module variables, not properties: see `mapNumbers`.
 */
let otherResult: unknown;
let thrownAt = 0;

/**
 * The `map` fast path: `fn(items[i])` from `start`, float64 results into `f64`, nothing else per
 * item. Returns `n` when every result was a number, else the index of the first item whose result
 * was not (left in `otherResult`: its call has happened, and a function runs once per item). If
 * `fn` throws, `thrownAt` holds the item's index.
 *
 * A plain function that leaves its outcome in module variables, not a method that updates
 * `this`: V8 compiles the loop while it runs, before the code after it has ever run in a fresh
 * worker, and a property store there has no type feedback yet. Measured: the compiled code was
 * thrown away at the end of each cold worker's first chunk (`Insufficient type feedback for
 * generic named access`), so the next chunk began interpreted again.
 */
function mapNumbers(
  fn: Fn,
  items: ArrayLike<unknown>,
  f64: Float64Array,
  start: number,
  n: number,
): number {
  let i = start;
  try {
    for (; i < n; i++) {
      const r = fn(items[i]);
      if (typeof r !== 'number') {
        otherResult = r;
        return i;
      }
      f64[i] = r;
    }
  } catch (error) {
    thrownAt = i;
    throw error;
  }
  return n;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** One task's outcome, ready to encode. */
export interface Outcome {
  /** All results were numbers (and no errors): sent as float64s. */
  f64: Float64Array | null;
  values: unknown[] | null;
  errors: [number, unknown][];
  count: number;
}

/**
 * Runs the items of one chunk. Synchronous as long as the function returns plain values; the
 * first promise switches the rest of the chunk to awaiting each result in turn.
 */
export class ChunkRun {
  i = 0;
  stopped = false;
  f64: Float64Array | null;
  values: unknown[] | null = null;
  readonly errors: [number, unknown][] = [];
  readonly n: number;

  constructor(
    readonly fn: Fn,
    readonly items: ArrayLike<unknown>,
    readonly star: boolean,
    readonly stopOnError: boolean,
  ) {
    this.n = items.length;
    this.f64 = star ? null : uninitializedF64(this.n);
  }

  call(i: number): unknown {
    return this.star ? this.fn(...(this.items[i] as unknown[])) : this.fn(this.items[i]);
  }

  store(i: number, value: unknown): void {
    if (this.f64 !== null) {
      if (typeof value === 'number') {
        this.f64[i] = value;
        return;
      }
      this.values = Array.from(this.f64.subarray(0, i));
      this.f64 = null;
    }
    (this.values ??= [])[i] = value;
  }

  fail(error: unknown): void {
    this.errors.push([this.i, error]);
    this.i++;
    if (this.stopOnError) this.stopped = true;
  }

  /** Runs until the end, or until a result is a promise (then returns the rest, as a promise). */
  runSync(): Promise<void> | undefined {
    const { n } = this;
    while (this.i < n && !this.stopped) {
      let result: unknown;
      if (this.f64 !== null && !this.star) {
        let at: number;
        try {
          at = mapNumbers(this.fn, this.items, this.f64, this.i, n);
        } catch (error) {
          this.i = thrownAt;
          this.fail(error);
          continue;
        }
        this.i = at;
        if (at === n) break;
        result = otherResult;
        otherResult = undefined;
      } else {
        try {
          result = this.call(this.i);
        } catch (error) {
          this.fail(error);
          continue;
        }
      }
      if (isThenable(result)) return this.#continueAsync(result);
      this.store(this.i++, result);
    }
    return undefined;
  }

  async #continueAsync(pending: PromiseLike<unknown>): Promise<void> {
    let next: PromiseLike<unknown> | undefined = pending;
    while (next) {
      try {
        this.store(this.i, await next);
        this.i++;
      } catch (error) {
        this.fail(error);
      }
      next = undefined;
      while (this.i < this.n && !this.stopped) {
        let result: unknown;
        try {
          result = this.call(this.i);
        } catch (error) {
          this.fail(error);
          continue;
        }
        if (isThenable(result)) {
          next = result;
          break;
        }
        this.store(this.i++, result);
      }
    }
  }

  outcome(): Outcome {
    const count = this.stopped ? this.i : this.n;
    return { f64: this.f64, values: this.values, errors: this.errors, count };
  }
}
