/**
 * `multiproc`: Python's `multiprocessing` for Node.js and TypeScript.
 *
 * Every name is a named export and a property of the default export, so code reads like
 * Python's `multiprocessing.X`:
 *
 * ```ts
 * import mp from 'multiproc';
 * const p = new mp.Process({ target: work, args: [1] });
 * ```
 *
 * This package only re-exports; each name lives in the package that owns it.
 *
 * @packageDocumentation
 */
import { facadeApi, getContext, type Context } from './context.js';

export * from './api.js';
export { getContext, type Context } from './context.js';

/**
 * The whole API as one object, like Python's `multiprocessing` module. `mp.Array` is
 * `SharedArray` (a named export called `Array` would shadow the global).
 *
 * @example
 * ```ts
 * import mp from 'multiproc';
 * console.log(mp.cpuCount(), mp.currentProcess().name);
 * ```
 */
const multiproc = { ...facadeApi, getContext } as const;

export default multiproc;
/**
 * The type of the default export: every named export as a property, so code reads like Python's
 * `multiprocessing.X`.
 *
 * @example
 * ```ts
 * import mp, { type Multiproc } from 'multiproc';
 * const api: Multiproc = mp;
 * const lock = new api.Lock();
 * ```
 */
export type Multiproc = typeof multiproc & {
  /** A context: the facade's constructors bound to one start method (`'spawn'` or `'thread'`). */
  getContext(method?: string | null): Context;
};
