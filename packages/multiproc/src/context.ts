/**
 * Context objects of the facade: every constructor of multiproc bound to one start method, like
 * Python's `multiprocessing.get_context(method)`. What depends on the start method (`Process`,
 * `Pool`, the start-method functions) comes from the process package's context; everything else
 * (locks, values, connections, shared memory, errors) is the facade's own, which works the same
 * under either method.
 */
import { ThreadPool, poolForContext, type Pool } from '@multiproc/pool';
import {
  getContext as getProcessContext,
  type ProcessContext,
  type StartMethod,
} from '@multiproc/process';

/** The facade's default export, registered by `index.ts` (which imports this module). */
type FacadeApi = typeof import('./index.js').default;
let facade: FacadeApi | undefined;

/** Called once by `index.ts` with the default export object. @internal */
export function registerFacade(api: FacadeApi): void {
  facade = api;
}

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
  Omit<FacadeApi, keyof ProcessContext | 'Pool' | 'ThreadPool'> & {
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
    const members: PropertyDescriptorMap = {};
    for (const [name, value] of Object.entries(facade ?? {})) {
      if (!(name in base)) members[name] = { value, enumerable: true };
    }
    members['Pool'] = { value: poolForContext(base), enumerable: true };
    members['ThreadPool'] = { value: ThreadPool, enumerable: true };
    context = Object.create(base, members) as Context;
    contexts.set(base.startMethod, context);
  }
  return context;
}
