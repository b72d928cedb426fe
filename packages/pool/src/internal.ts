/**
 * `@multiproc/pool/internal`: what sibling packages share with this one (the facade binds pools
 * to contexts; `@multiproc/bullmq` settles its `AsyncResult`s and makes its `IMapIterator`s). Not
 * part of the public contract; its names may change in any release. Users import
 * `@multiproc/pool`.
 *
 * The build resolves `./index.js` here to the package's main entry, so `Pool` and
 * `IMapIterator` below are the very classes users get (`instanceof Pool` holds for a context's
 * pools, `instanceof IMapIterator` for a distributed pool's iterators).
 *
 * @internal
 * @packageDocumentation
 */
import type { ProcessContext } from '@multiproc/process';
import { makeIterator, type IMapDriver } from './imap-driver.js';
import { IMapIterator, Pool } from './index.js';

export { settleAsyncResult } from './async-result.js';
export type { IMapDriver } from './imap-driver.js';
export { readChunks, type ChunkRead, type Source } from './imap-source.js';

/**
 * An `IMapIterator` whose results come from `driver`: another engine's imap (the distributed
 * pool's) with the local pool's iterator class.
 *
 * @example
 * ```ts
 * const iterator = createIMapIterator<number>({
 *   next: () => Promise.resolve({ done: true, value: undefined }),
 *   return: () => {},
 * });
 * ```
 */
export function createIMapIterator<R>(driver: IMapDriver): IMapIterator<R> {
  return makeIterator(IMapIterator.prototype as IMapIterator<R>, driver);
}

const boundPools = new WeakMap<ProcessContext, typeof Pool>();
const PoolBase = Pool;

/**
 * `Pool` bound to a context's start method: what `getContext('thread').Pool` is.
 *
 * @example
 * ```ts
 * const ThreadBackedPool = poolForContext(getContext('thread'));
 * await using pool = new ThreadBackedPool(2);
 * ```
 */
export function poolForContext(context: ProcessContext): typeof Pool {
  let Bound = boundPools.get(context);
  if (!Bound) {
    Bound = class Pool extends PoolBase {
      protected override defaultContext(): ProcessContext {
        return context;
      }
    };
    boundPools.set(context, Bound);
  }
  return Bound;
}
