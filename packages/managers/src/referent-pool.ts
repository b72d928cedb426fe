/**
 * The `Pool` typeid: a `@multiproc/pool` pool living in the manager's server, fed by proxies.
 *
 * Its workers are threads of the server (`ThreadPool`): the server is a daemon process, ended
 * with the program that started it, and daemon processes may not start processes of their own.
 * Functions arrive as references (module + export, or self-contained source), the same forms
 * `Process` targets take; a server that lets unauthenticated peers in refuses them, since a
 * reference makes the server import a module.
 */
import { ThreadPool } from '@multiproc/pool';
import {
  ProcessError,
  describeFunction,
  resolveFunction,
  sharedState,
  type FunctionSpec,
} from '@multiproc/serialize';
import { BaseProxy, forward, registerProxyClass } from './proxy.js';
import type { CallOptions, Forwarded } from './proxy.js';
import { kReferentClose } from './referent-hooks.js';

/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging -- PoolProxy merges its forwarded methods (see `forward`) */

/** @internal Whether this server's clients proved the key (set by the server's start). */
export const serverTrust = sharedState<{ authenticated: boolean }>('managerServerTrust', () => ({
  authenticated: true,
}));

function isSpec(value: unknown): value is FunctionSpec {
  const v = value as { kind?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    (v.kind === 'ref' || v.kind === 'source' || v.kind === 'global')
  );
}

async function functionFrom(spec: unknown): Promise<(...args: unknown[]) => unknown> {
  if (!serverTrust.authenticated) {
    throw new ProcessError(
      'this manager serves unauthenticated clients, so its Pool accepts no functions',
      'ERR_MP_NOT_EXPOSED',
    );
  }
  if (!isSpec(spec)) throw new TypeError('Pool: the function reference is malformed');
  return resolveFunction(spec);
}

/** The server side of a manager's `Pool()`. */
export class PoolReferent {
  readonly #pool: ThreadPool;

  constructor(processes?: number) {
    this.#pool = new ThreadPool(processes ?? null);
  }
  async apply(fn: unknown, args: unknown[] = []): Promise<unknown> {
    return this.#pool.apply(await functionFrom(fn), args);
  }
  async map(fn: unknown, items: unknown[], chunksize?: number): Promise<unknown[]> {
    return this.#pool.map(await functionFrom(fn), items, { chunksize });
  }
  async starmap(fn: unknown, items: unknown[][], chunksize?: number): Promise<unknown[]> {
    return this.#pool.starmap(await functionFrom(fn), items, { chunksize });
  }
  close(): void {
    this.#pool.close();
  }
  terminate(): void {
    this.#pool.terminate();
  }
  join(): Promise<void> {
    return this.#pool.join();
  }
  [kReferentClose](): void {
    this.#pool.terminate();
  }
}

/**
 * A proxy of a pool living in the manager. Functions go as `Process` targets do: exported
 * functions by reference, self-contained ones by source.
 *
 * @example
 * ```ts
 * const pool = await manager.Pool(2);
 * await pool.map(square, [1, 2, 3]); // [1, 4, 9]
 * ```
 */
export class PoolProxy extends BaseProxy {
  /** Calls `fn(...args)` in a worker and resolves with its result. */
  apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: CallOptions,
  ): Promise<Awaited<R>> {
    return this.callMethod('apply', [describeFunction(fn, 'fn'), args ?? []], options) as Promise<
      Awaited<R>
    >;
  }
  /**
   * Calls `fn` on each item in the workers (in chunks of `chunksize`) and resolves with the results
   * in order.
   */
  map<T, R>(
    fn: (item: T) => R,
    items: Iterable<T>,
    mapOptions: { chunksize?: number } = {},
    options?: CallOptions,
  ): Promise<Awaited<R>[]> {
    return this.#mapped('map', fn, items, mapOptions, options) as Promise<Awaited<R>[]>;
  }
  /** Like `map`, but each item is the array of arguments `fn` is called with. */
  starmap<A extends unknown[], R>(
    fn: (...args: A) => R,
    items: Iterable<A>,
    mapOptions: { chunksize?: number } = {},
    options?: CallOptions,
  ): Promise<Awaited<R>[]> {
    return this.#mapped('starmap', fn, items, mapOptions, options) as Promise<Awaited<R>[]>;
  }
  #mapped(
    method: 'map' | 'starmap',
    fn: (...args: never[]) => unknown,
    items: Iterable<unknown>,
    mapOptions: { chunksize?: number },
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const args = [describeFunction(fn, 'fn'), [...items], mapOptions.chunksize];
    return this.callMethod(method, args, options);
  }
}

type PoolCalls = {
  /** Takes no more tasks; the workers end once the outstanding tasks are done. */
  close: [[], void];
  /** Ends the workers at once, without completing outstanding tasks. */
  terminate: [[], void];
  /** Resolves once the workers have ended; call `close()` or `terminate()` first. */
  join: [[], void];
};
// close, terminate and join only pass on, as the proxies of proxies.ts do.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PoolProxy extends Forwarded<PoolCalls> {}
forward<PoolCalls>(PoolProxy, { close: 0, terminate: 0, join: 0 });
registerProxyClass(PoolProxy);
