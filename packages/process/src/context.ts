/**
 * Contexts: objects with the API bound to one start method, like Python's `get_context()`.
 */
import { cpuCount, currentProcess, isMainProcess, parentProcess } from './current.js';
import { Process, activeChildren, kStartMethod } from './process.js';
import { assertStartMethod, getStartMethod, type StartMethod } from './start-method.js';

/**
 * The process API bound to one start method. `multiproc`'s facade extends it with every other
 * constructor (`Pool`, `Queue`, `Lock` …).
 *
 * @example
 * ```ts
 * const ctx = getContext('thread');
 * const p = new ctx.Process({ target: work });   // runs in a worker thread
 * ```
 */
export class ProcessContext {
  /** `Process`, started with this context's method. */
  readonly Process: typeof Process;

  constructor(
    /** This context's start method. */
    readonly startMethod: StartMethod,
  ) {
    assertStartMethod(startMethod, 'startMethod');
    const Bound = class Process<A extends unknown[] = unknown[]> extends ProcessBase<A> {};
    Object.defineProperty(Bound, kStartMethod, { value: startMethod });
    this.Process = Bound;
  }

  /** This context's start method. */
  getStartMethod(): StartMethod {
    return this.startMethod;
  }

  /** The same function as the named export `currentProcess`. */
  readonly currentProcess = currentProcess;
  /** The same function as the named export `parentProcess`. */
  readonly parentProcess = parentProcess;
  /** The same function as the named export `activeChildren`. */
  readonly activeChildren = activeChildren;
  /** The same function as the named export `cpuCount`. */
  readonly cpuCount = cpuCount;
  /** The same function as the named export `isMainProcess`. */
  readonly isMainProcess = isMainProcess;
}

const ProcessBase = Process;
const contexts = new Map<StartMethod, ProcessContext>();

/**
 * The context of a start method (`'spawn'` or `'thread'`), or of the default method when none
 * is given.
 *
 * @example
 * ```ts
 * const ctx = getContext('spawn');
 * ```
 */
export function getContext(method?: StartMethod | null): ProcessContext {
  const m = method ?? getStartMethod();
  assertStartMethod(m);
  let context = contexts.get(m);
  if (!context) contexts.set(m, (context = new ProcessContext(m)));
  return context;
}
