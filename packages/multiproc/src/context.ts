/**
 * Context objects of the facade: every constructor of multiproc bound to one start method, like
 * Python's `multiprocessing.get_context(method)`.
 */
import {
  getContext as getProcessContext,
  type ProcessContext,
  type StartMethod,
} from '@multiproc/process';

/**
 * The API bound to one start method. `ctx.Process` starts children with that method; the
 * other members behave as the facade's.
 *
 * @example
 * ```ts
 * const ctx = getContext('thread');
 * const p = new ctx.Process({ target: work });
 * ```
 */
export type Context = ProcessContext;

/**
 * The context of a start method (`'spawn'` or `'thread'`), or of the default one.
 *
 * @example
 * ```ts
 * const ctx = getContext('spawn');
 * ```
 */
export function getContext(method?: StartMethod | null): Context {
  return getProcessContext(method);
}
