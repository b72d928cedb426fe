/**
 * `AsyncResult`: the handle `applyAsync`, `mapAsync` and `starmapAsync` return, like Python's
 * `multiprocessing.pool.AsyncResult`.
 */
import { checkTimeout, setLongTimeout } from '@multiproc/native';
import { ProcessError, TimeoutError, sharedState } from '@multiproc/serialize';

type State<R> =
  { kind: 'pending' } | { kind: 'fulfilled'; value: R } | { kind: 'rejected'; error: unknown };

/** Callbacks run once, when the result settles. */
export interface ResultCallbacks<R> {
  callback?: ((value: R) => void) | undefined;
  errorCallback?: ((error: unknown) => void) | undefined;
}

interface Settler<R> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

// Shared by every loaded copy of this file (the package's entry and its `internal` entry are
// separate bundles), so that `settleAsyncResult` from either settles results made by the other.
const settlers = sharedState(
  'pool.asyncResultSettlers',
  () => new WeakMap<object, Settler<never>>(),
);

/**
 * The eventual result of a task (or of a whole `mapAsync`): `get()` it, `wait()` for it, or ask
 * whether it is `ready()`.
 *
 * @example
 * ```ts
 * const result = pool.applyAsync(square, [10]);
 * console.log(await result.get(1000)); // 100, or a TimeoutError after 1 s
 * ```
 */
export class AsyncResult<R = unknown> {
  #state: State<R> = { kind: 'pending' };
  readonly #settled: Promise<void>;
  #resolveSettled!: () => void;
  readonly #callbacks: ResultCallbacks<R>;

  /** @internal Pools create these; see `Pool.applyAsync`. */
  constructor(callbacks: ResultCallbacks<R> = {}) {
    this.#callbacks = callbacks;
    this.#settled = new Promise((resolve) => (this.#resolveSettled = resolve));
    settlers.set(this, {
      resolve: (value: R) => this.#settle({ kind: 'fulfilled', value }),
      reject: (error: unknown) => this.#settle({ kind: 'rejected', error }),
    });
  }

  #settle(state: State<R>): void {
    if (this.#state.kind !== 'pending') return;
    this.#state = state;
    this.#resolveSettled();
    try {
      if (state.kind === 'fulfilled') this.#callbacks.callback?.(state.value);
      else if (state.kind === 'rejected') this.#callbacks.errorCallback?.(state.error);
    } catch (error) {
      // A callback that throws must not break the pool's bookkeeping; like an error thrown in an
      // event listener, it surfaces as an uncaught exception.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /**
   * The result once it arrives. Rejects with the task's error (its class, message, `cause`, and
   * the remote stack after a `--- remote stack ---` line), or with a `TimeoutError` when
   * `timeout` milliseconds pass first (the task goes on; call `get` again later).
   *
   * @param timeout - milliseconds; `undefined` or `null` waits for as long as it takes, `0` or
   *   less answers at once.
   * @example
   * ```ts
   * const value = await pool.applyAsync(slow, []).get(5000);
   * ```
   */
  get(timeout?: number | null): Promise<R> {
    let ms: number;
    try {
      ms = checkTimeout(timeout, 'timeout');
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the TypeError thrown above
      return Promise.reject(error);
    }
    return this.#whenSettled(ms).then((ready) => {
      const state = this.#state;
      if (!ready || state.kind === 'pending')
        throw new TimeoutError(`the result was not ready within ${timeout} ms`);
      if (state.kind === 'rejected') throw state.error;
      return state.value;
    });
  }

  /**
   * Waits until the result is ready or `timeout` milliseconds pass. Never rejects.
   *
   * @example
   * ```ts
   * await result.wait(100);
   * if (result.ready()) console.log(result.successful());
   * ```
   */
  async wait(timeout?: number | null): Promise<void> {
    await this.#whenSettled(checkTimeout(timeout, 'timeout'));
  }

  /**
   * Whether the result has arrived (successfully or not).
   *
   * @example
   * ```ts
   * while (!result.ready()) await setTimeout(10);
   * ```
   */
  ready(): boolean {
    return this.#state.kind !== 'pending';
  }

  /**
   * Whether the task completed without an error.
   *
   * @throws ProcessError (`ERR_MP_RESULT_NOT_READY`) if the result is not ready yet, as Python
   *   raises `ValueError`.
   * @example
   * ```ts
   * await result.wait();
   * if (!result.successful()) console.log('failed');
   * ```
   */
  successful(): boolean {
    if (this.#state.kind === 'pending') {
      throw new ProcessError(
        'the result is not ready yet; call successful() once ready() is true',
        'ERR_MP_RESULT_NOT_READY',
      );
    }
    return this.#state.kind === 'fulfilled';
  }

  /** `ms`: `Infinity` waits as long as it takes, `0` answers at once. */
  #whenSettled(ms: number): Promise<boolean> {
    if (this.#state.kind !== 'pending') return Promise.resolve(true);
    if (ms === Infinity) return this.#settled.then(() => true);
    if (ms === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setLongTimeout(() => resolve(false), ms);
      void this.#settled.then(() => {
        timer.clear();
        resolve(true);
      });
    });
  }

  get [Symbol.toStringTag](): string {
    return 'AsyncResult';
  }
}

/** @internal Settles an `AsyncResult` (the pool's side). */
export function settleAsyncResult<R>(
  result: AsyncResult<R>,
  outcome: { ok: true; value: R } | { ok: false; error: unknown },
): void {
  const settler = settlers.get(result) as Settler<R> | undefined;
  if (!settler) return;
  if (outcome.ok) settler.resolve(outcome.value);
  else settler.reject(outcome.error);
}
