/**
 * Context objects of the facade: every constructor of multiproc bound to one start method, like
 * Python's `multiprocessing.get_context(method)`.
 */
import { ThreadPool, poolForContext, type Pool } from '@multiproc/pool';
import {
  getContext as getProcessContext,
  type ProcessContext,
  type StartMethod,
} from '@multiproc/process';

/**
 * The API bound to one start method. `ctx.Process` starts children with that method and
 * `ctx.Pool` runs its workers with it; the other members behave as the facade's.
 *
 * @example
 * ```ts
 * const ctx = getContext('thread');
 * const p = new ctx.Process({ target: work });
 * await using pool = new ctx.Pool(4); // workers are threads
 * ```
 */
export type Context = ProcessContext & {
  /** `Pool` whose workers use this context's start method. */
  readonly Pool: typeof Pool;
  /** `ThreadPool` (always threads, whatever the context). */
  readonly ThreadPool: typeof ThreadPool;
};

const contexts = new Map<StartMethod, Context>();

/**
 * The context of a start method (`'spawn'` or `'thread'`), or of the default one.
 *
 * @example
 * ```ts
 * const ctx = getContext('spawn');
 * ```
 */
export function getContext(method?: StartMethod | null): Context {
  const base = getProcessContext(method);
  let context = contexts.get(base.startMethod);
  if (!context) {
    // The process package's context, extended: `ctx.Process` stays the very same class.
    context = Object.create(base, {
      Pool: { value: poolForContext(base), enumerable: true },
      ThreadPool: { value: ThreadPool, enumerable: true },
    }) as Context;
    contexts.set(base.startMethod, context);
  }
  return context;
}
