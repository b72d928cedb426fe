/**
 * Start methods: `spawn` (a fresh Node process, the default) and `thread` (a worker thread of
 * this process, like Python's `multiprocessing.dummy`).
 */
import { ProcessError, invalidArgument, sharedState } from '@multiproc/serialize';

/** How a child is started. */
export type StartMethod = 'spawn' | 'thread';

const methods: readonly StartMethod[] = ['spawn', 'thread'];

const state = sharedState<{ method: StartMethod | undefined }>('startMethod', () => ({
  method: undefined,
}));

/** @internal Checks a start method name. */
export function assertStartMethod(method: unknown, path = 'method'): asserts method is StartMethod {
  if (!methods.includes(method as StartMethod)) {
    throw invalidArgument(path, `one of ${methods.map((m) => `'${m}'`).join(', ')}`, method);
  }
}

/**
 * The start method new processes use by default (`'spawn'` unless `setStartMethod` chose
 * another).
 *
 * @example
 * ```ts
 * getStartMethod(); // 'spawn'
 * ```
 */
export function getStartMethod(): StartMethod {
  return state.method ?? 'spawn';
}

/**
 * Chooses the default start method, once. Like Python, a second call throws unless
 * `force: true` is given.
 *
 * @example
 * ```ts
 * if (isMainProcess()) setStartMethod('thread');
 * ```
 */
export function setStartMethod(
  method: StartMethod | null,
  options: { force?: boolean } = {},
): void {
  if (method !== null) assertStartMethod(method);
  if (state.method !== undefined && !options.force) {
    throw new ProcessError(
      `the start method has already been set to '${state.method}'; pass { force: true } to change it`,
    );
  }
  state.method = method ?? undefined;
}

/**
 * Every start method this platform supports, the default first.
 *
 * @example
 * ```ts
 * getAllStartMethods(); // ['spawn', 'thread']
 * ```
 */
export function getAllStartMethods(): StartMethod[] {
  return [...methods];
}
