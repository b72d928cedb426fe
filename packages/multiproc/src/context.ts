/**
 * Context objects of the facade: every constructor of multiproc bound to one start method, like
 * Python's `multiprocessing.get_context(method)`. What depends on the start method (`Process`,
 * `Pool`, the start-method functions) comes from the process package's context; everything else
 * (locks, values, connections, shared memory, errors) is the facade's own, which works the same
 * under either method.
 */
import { poolForContext } from '@multiproc/pool/internal';
import {
  getContext as getProcessContext,
  type ProcessContext,
  type StartMethod,
} from '@multiproc/process';
import * as api from './api.js';

/** The facade's API as one object: its named exports, plus `Array` (Python's name). */
export const facadeApi = { ...api, Array: api.SharedArray };

/**
 * The API bound to one start method. `ctx.Process` starts children with that method and
 * `ctx.Pool` runs its workers with it; every other member (`ctx.Lock`, `ctx.Value`, `ctx.Pipe`,
 * `ctx.Array`…) is the facade's own, which works the same under either method.
 *
 * @example
 * ```ts
 * const ctx = getContext('thread');
 * const p = new ctx.Process({ target: work });
 * await using pool = new ctx.Pool(4); // workers are threads
 * ```
 */
export type Context = ProcessContext &
  Omit<typeof facadeApi, keyof ProcessContext | 'Pool'> & {
    /** `Pool` whose workers use this context's start method. */
    readonly Pool: typeof api.Pool;
    /** The facade's `getContext`. */
    readonly getContext: typeof getContext;
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
    const members: PropertyDescriptorMap = {};
    for (const [name, value] of Object.entries({ ...facadeApi, getContext })) {
      if (!(name in base)) members[name] = { value, enumerable: true };
    }
    members['Pool'] = { value: poolForContext(base), enumerable: true };
    context = Object.create(base, members) as Context;
    contexts.set(base.startMethod, context);
  }
  return context;
}
