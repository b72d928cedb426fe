/**
 * `@multiproc/pool/internal`: what sibling packages share with this one (the facade binds pools
 * to contexts; `@multiproc/bullmq` settles its `AsyncResult`s). Not part of the public contract;
 * its names may change in any release. Users import `@multiproc/pool`.
 *
 * The build resolves `./pool.js` here to the package's main entry, so `Pool` below is the very
 * class users get (`instanceof Pool` holds for a context's pools).
 *
 * @internal
 * @packageDocumentation
 */
import type { ProcessContext } from '@multiproc/process';
import { Pool } from './pool.js';

export { settleAsyncResult } from './async-result.js';

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
