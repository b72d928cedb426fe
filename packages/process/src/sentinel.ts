/**
 * The `sentinel` of a daemon child. A daemon never holds the event loop by itself, but whoever
 * awaits its sentinel (or calls `then`, `catch`, `finally` on it) does until it settles, as an
 * awaited `join()` does; otherwise Node ends the program in the middle of the await (exit
 * status 13). The plain promise inside serves watchers that must not keep a program alive just
 * by watching a daemon: the pool's and manager's exit handlers (`exitedOf`), and `wait()`, which
 * finds it under a registered symbol (the connection package does not import this one).
 */

const noop = (): void => undefined;
const kHoldMs = 2 ** 30;

/** The key under which a sentinel carries its plain promise. */
export const kUnheld: unique symbol = Symbol.for('multiproc.sentinel.unheld') as never;

/** A promise of a daemon child's exit code that holds the event loop for whoever awaits it. */
export class HeldSentinel extends Promise<number> {
  // Promises derived by `then` are plain ones (and need no executor-less constructor).
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  readonly [kUnheld]: Promise<number>;
  #pending = true;
  #hold: NodeJS.Timeout | undefined = undefined;

  constructor(exited: Promise<number>) {
    super((resolve, reject) => {
      exited.then(resolve, reject);
    });
    this[kUnheld] = exited;
    const settled = (): void => {
      this.#pending = false;
      clearInterval(this.#hold);
      this.#hold = undefined;
    };
    exited.then(settled, settled);
  }

  override then<TResult1 = number, TResult2 = never>(
    onfulfilled?: ((value: number) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    if (this.#pending && this.#hold === undefined) this.#hold = setInterval(noop, kHoldMs);
    return super.then(onfulfilled, onrejected);
  }
}

/** A child's exit code, as a promise whose watchers never hold the event loop. */
export function exitedOf(p: { readonly sentinel: Promise<number> }): Promise<number> {
  const sentinel = p.sentinel as Promise<number> & { [kUnheld]?: Promise<number> };
  return sentinel[kUnheld] ?? sentinel;
}
