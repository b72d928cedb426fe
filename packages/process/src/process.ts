/**
 * `Process`: a function running in another OS process (or, with the `thread` start method, in
 * a worker thread), with Python's `multiprocessing.Process` API.
 */
import { inspect } from 'node:util';
import { addonOrigin, checkTimeout, setLongTimeout, type LongTimer } from '@multiproc/native';
import {
  ProcessError,
  assertSendable,
  describeFunction,
  encode,
  invalidArgument,
  isJsonSafe,
  isTaskRef,
  locateFunction,
  registerUnsendable,
  type FunctionSpec,
  type TaskRef,
  type TransferableHandle,
} from '@multiproc/serialize';
import { children } from './children.js';
import { currentProcess, nextChildIdentity, selfIdentity } from './current.js';
import { installExitHandler } from './exit.js';
import { SpawnPopen, ThreadPopen, type Popen } from './popen.js';
import { HeldSentinel } from './sentinel.js';
import { setControlChannel } from './control.js';
import {
  StartFormat,
  encodeStartJson,
  isReviveOptions,
  kImportingTarget,
  type Identity,
  type StartPayload,
} from './protocol.js';
import { getStartMethod, type StartMethod } from './start-method.js';

/** A function a child can call: exported, self-contained, or a `taskRef()`. */
export type Target<A extends unknown[] = unknown[]> = ((...args: A) => unknown) | TaskRef;

/** Options of `new Process(…)`. */
export interface ProcessOptions<A extends unknown[] = unknown[]> {
  /**
   * The function to run in the child. An exported function goes by reference; a self-contained
   * function by source; see API.md "Functions that run in other processes". Omit it when a
   * subclass overrides `run()`.
   */
  target?: Target<A> | undefined;
  /**
   * Arguments for `target`. Anything multiproc can send: plain data, Maps, Sets, typed arrays,
   * errors, and shareable objects (locks, queues, connections, shared memory …).
   * @default []
   */
  args?: A | undefined;
  /**
   * The process name, visible as `currentProcess().name` in the child.
   * @default 'Process-N' (or 'Process-1:N' in a child), with the subclass name for subclasses
   */
  name?: string | undefined;
  /**
   * A daemon child does not keep this process alive, is terminated when this process exits, and
   * may not start children of its own.
   * @default false
   */
  daemon?: boolean | undefined;
}

type State = 'initial' | 'started' | 'closed';

const noop = (): void => undefined;
/** A timer that never fires in practice: it only keeps the event loop alive. */
const kHoldMs = 2 ** 30;

/** A static marker set on context-bound subclasses (`getContext('thread').Process`). */
export const kStartMethod = Symbol.for('multiproc.startMethod');

/**
 * A process running `target(...args)`, like Python's `multiprocessing.Process`.
 *
 * @example
 * ```ts
 * import { Process, isMainProcess } from 'multiproc';
 *
 * export function f(name: string) { console.log('hello', name) }
 *
 * if (isMainProcess()) {
 *   const p = new Process({ target: f, args: ['bob'] });
 *   p.start();
 *   await p.join();
 * }
 * ```
 */

export class Process<A extends unknown[] = unknown[]> {
  #target: Target<A> | ((...args: unknown[]) => unknown) | undefined;
  #args: A;
  #name: string;
  #daemon: boolean;
  #sentinel: HeldSentinel | undefined = undefined;
  #identity: number[];
  #state: State = 'initial';
  #popen: Popen | undefined;
  /** True for the object a child rebuilt of itself (subclass `run()`). */
  #isSelf = false;

  constructor(options: ProcessOptions<A> = {}) {
    if (isReviveOptions(options)) {
      const self = selfIdentity();
      this.#target = options.target;
      this.#args = options.args;
      this.#name = self.name;
      this.#daemon = self.daemon;
      this.#identity = self.identity;
      this.#state = 'started';
      this.#isSelf = true;
      return;
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalidArgument('options', 'an object', options);
    }
    const { target, args = [] as unknown as A, name, daemon = false } = options;
    if (target !== undefined && typeof target !== 'function' && !isTaskRef(target)) {
      throw invalidArgument('options.target', 'a function or a taskRef()', target);
    }
    if (!Array.isArray(args)) throw invalidArgument('options.args', 'an array', args);
    if (name !== undefined && typeof name !== 'string')
      throw invalidArgument('options.name', 'a string', name);
    if (typeof daemon !== 'boolean') throw invalidArgument('options.daemon', 'a boolean', daemon);
    this.#target = target;
    this.#args = args;
    this.#identity = nextChildIdentity();
    this.#name = name ?? `${this.#className()}-${this.#identity.join(':')}`;
    this.#daemon = daemon;
  }

  #className(): string {
    // Context-bound classes (`getContext('thread').Process`) keep the name Process.
    let ctor = this.constructor as { name: string; [kStartMethod]?: StartMethod };
    while (Object.prototype.hasOwnProperty.call(ctor, kStartMethod)) {
      ctor = Object.getPrototypeOf(ctor) as typeof ctor;
    }
    return ctor.name || 'Process';
  }

  /**
   * The method the child runs. By default it calls `target(...args)`. Override it in an
   * exported subclass; the instance's own fields set before `start()` are available here.
   * A returned promise is awaited before the child exits.
   */
  run(): unknown {
    const target = this.#target;
    if (target === undefined) return undefined;
    if (typeof target !== 'function') {
      throw new ProcessError('run() can call a taskRef() target only in the child process');
    }
    return (target as (...args: unknown[]) => unknown)(...this.#args);
  }

  /**
   * Starts the child. Everything it needs is checked first: a target or argument that cannot
   * be sent throws a `TypeError` naming it, and nothing is started.
   *
   * @throws ProcessError if already started or closed, or when a daemon tries to have children.
   */
  start(): void {
    this.#assertOpen();
    if (this.#isSelf) throw new ProcessError('a process cannot start itself');
    if (this.#state !== 'initial') throw new ProcessError('cannot start a process twice');
    if ((globalThis as Record<symbol, unknown>)[kImportingTarget] === true) {
      throw new ProcessError(
        'a process was started while this child was still importing the module of its target: ' +
          'a module imported by children must not start processes when it loads. Guard that code ' +
          'with `if (isMainProcess()) { … }`',
      );
    }
    const method = this.startMethod;
    if (currentProcess().daemon && method === 'spawn') {
      throw new ProcessError('daemonic processes are not allowed to have children');
    }
    const handles: TransferableHandle[] = [];
    const payload = this.#encodeStart(method, handles);
    installExitHandler();
    const launch = { payload, handles, daemon: this.#daemon, name: this.#name };
    this.#popen = method === 'thread' ? new ThreadPopen(launch) : new SpawnPopen(launch);
    setControlChannel(this, this.#popen.channel);
    this.#state = 'started';
    children.add(this);
  }

  #encodeStart(method: StartMethod, handles: TransferableHandle[]): Buffer {
    const Class = this.constructor as { prototype: object };
    const overridesRun = this.run !== Process.prototype.run;
    const isSubclass = overridesRun || !isContextBound(Class);
    let subclass: StartPayload['subclass'] = null;
    let target: FunctionSpec | null = null;
    if (this.#target !== undefined) target = describeFunction(this.#target, 'target');
    else if (!overridesRun)
      throw new ProcessError(`process ${this.#name} has no target and does not override run()`);
    assertSendable(this.#args, 'args');
    if (isSubclass) {
      const location = locateFunction(Class);
      // `undefined`: the module's exports cannot be read yet (a main script still evaluating);
      // the child then looks the class up by its name.
      const exportName =
        location?.exportName === undefined
          ? (Class as { name?: string }).name
          : location.exportName;
      if (!location || !exportName) {
        throw new TypeError(
          `${this.#className()} overrides Process and must be exported from its module, so the child can rebuild it`,
        );
      }
      const fields = { ...this } as Record<string, unknown>;
      assertSendable(fields, 'this');
      subclass = { module: location.url, name: exportName, fields };
    }
    const parent = selfIdentity();
    const identity: Identity = {
      name: this.#name,
      daemon: this.#daemon,
      identity: this.#identity,
      authkey: parent.authkey,
      parent: { pid: process.pid, name: parent.name, threadId: currentProcess().threadId },
      startMethod: method,
    };
    const start: StartPayload = {
      identity,
      nativeAddon: method === 'spawn' ? nativeAddonPath() : null,
      target,
      args: this.#args,
      subclass,
    };
    if (isJsonSafe(this.#args) && (!subclass || isJsonSafe(subclass.fields)))
      return encodeStartJson(start);
    return prefixed(
      StartFormat.Msgpack,
      encode(start, {
        path: 'process',
        context: {
          destination: method === 'thread' ? 'thread' : 'process',
          transfer(handle) {
            return handles.push(handle) - 1;
          },
        },
      }),
    );
  }

  /**
   * Waits until the child exits, or until `timeout` milliseconds have passed. Resolves either
   * way, like Python's `join()`; check `exitcode` (still `null` after a timeout).
   *
   * @param timeout - milliseconds; `undefined` or `null` waits forever, `0` or less does not wait.
   */
  async join(timeout?: number | null): Promise<void> {
    this.#assertOpen();
    if (this.#isSelf) throw new ProcessError('a process cannot join itself');
    const ms = checkTimeout(timeout, 'timeout');
    const popen = this.#popen;
    if (!popen) throw new ProcessError('can only join a started process');
    if (popen.exitcode === null) {
      // A daemon child does not hold the event loop, but whoever awaits it does: otherwise Node
      // ends the program in the middle of the await (exit status 13) before the child's exit.
      const hold = this.#daemon ? setInterval(noop, kHoldMs) : undefined;
      try {
        if (ms === Infinity) await popen.exited;
        else if (ms > 0) await withTimeout(popen.exited, ms);
      } finally {
        clearInterval(hold);
      }
    }
    if (popen.exitcode !== null) children.delete(this);
  }

  /** Whether the child has started and not yet exited. */
  isAlive(): boolean {
    this.#assertOpen();
    if (this.#isSelf) return true;
    return this.#popen !== undefined && this.#popen.exitcode === null;
  }

  /** The child's process id; `undefined` before `start()`. (Thread context: this process's pid.) */
  get pid(): number | undefined {
    this.#assertOpen();
    return this.#isSelf ? process.pid : this.#popen?.pid;
  }

  /** Alias of `pid`, as in Python. */
  get ident(): number | undefined {
    return this.pid;
  }

  /** `null` while running (or before start); 0 ok; 1 uncaught error; N for exit(N); -N killed by signal N. */
  get exitcode(): number | null {
    this.#assertOpen();
    return this.#popen?.exitcode ?? null;
  }

  /** The name given at construction, or `Process-N`. Settable. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== 'string') throw invalidArgument('name', 'a string', value);
    this.#name = value;
  }

  /** Whether this is a daemon process. Set it before `start()`. */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (this.#state !== 'initial')
      throw new ProcessError('cannot set daemon status of a started process');
    if (typeof value !== 'boolean') throw invalidArgument('daemon', 'a boolean', value);
    this.#daemon = value;
  }

  /** The start method this process uses: its context's, or the default (`getStartMethod()`). */
  get startMethod(): StartMethod {
    return (this.constructor as { [kStartMethod]?: StartMethod })[kStartMethod] ?? getStartMethod();
  }

  /**
   * A promise that settles with the exit code when the child ends; pass it to `wait()` to wait
   * on processes and connections together. Awaiting a daemon child's sentinel keeps the program
   * alive until it settles, as an awaited `join()` does; waiting on it with `wait()` does not.
   */
  get sentinel(): Promise<number> {
    this.#assertOpen();
    if (!this.#popen) throw new ProcessError('the process has not been started');
    if (!this.#daemon) return this.#popen.exited;
    return (this.#sentinel ??= new HeldSentinel(this.#popen.exited));
  }

  /** Sends SIGTERM (thread context: stops the worker; `exitcode` becomes -15). */
  terminate(): void {
    this.#assertOpen();
    if (!this.#popen) throw new ProcessError('cannot terminate a process that was not started');
    this.#popen.terminate();
  }

  /** Sends SIGKILL (thread context: stops the worker; `exitcode` becomes -9). */
  kill(): void {
    this.#assertOpen();
    if (!this.#popen) throw new ProcessError('cannot kill a process that was not started');
    this.#popen.kill();
  }

  /**
   * Releases the process object. Idempotent. After it, most methods throw.
   *
   * @throws ProcessError while the child is still running.
   */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#popen && this.#popen.exitcode === null) {
      throw new ProcessError(
        `cannot close process ${this.#name} while it is still running; join() or terminate() it first`,
      );
    }
    children.delete(this);
    this.#popen = undefined;
    this.#state = 'closed';
  }

  #assertOpen(): void {
    if (this.#state === 'closed')
      throw new ProcessError(`process ${this.#name} is closed`, 'ERR_MP_CLOSED');
  }

  [inspect.custom](): string {
    let status: string = this.#state;
    if (this.#popen)
      status =
        this.#popen.exitcode === null ? 'started' : `stopped exitcode=${this.#popen.exitcode}`;
    const daemon = this.#daemon ? ' daemon' : '';
    const pid = this.#popen?.pid !== undefined ? ` pid=${this.#popen.pid}` : '';
    return `<${this.#className()} name=${JSON.stringify(this.#name)}${pid} ${status}${daemon}>`;
  }

  toString(): string {
    return this[inspect.custom]();
  }
}

function isContextBound(Class: object): boolean {
  for (let c: unknown = Class; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
    if (c === Process) return true;
    if (!Object.prototype.hasOwnProperty.call(c, kStartMethod)) return false;
  }
  return false;
}

/**
 * The children of this process that are still running. Finished ones are forgotten (reaped).
 *
 * @example
 * ```ts
 * for (const p of activeChildren()) p.terminate();
 * ```
 */
export function activeChildren(): Process[] {
  // Only `Process.start()` adds to the set.
  return children.reap() as Process[];
}

registerUnsendable(
  Process,
  'is a Process object',
  'processes belong to the process that started them; send a Queue, a Pipe or an Event to talk to them',
);

let nativeAddon: string | null | undefined;

/** The native addon's path, when it loads here (it arms each child's parent-death signal). */
function nativeAddonPath(): string | null {
  if (nativeAddon === undefined) {
    try {
      nativeAddon = addonOrigin().path;
    } catch {
      nativeAddon = null; // children still end with an idle parent through the IPC channel
    }
  }
  return nativeAddon;
}

function prefixed(format: StartFormat, bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + 1);
  out[0] = format;
  bytes.copy(out, 1);
  return out;
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: LongTimer | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<void>((resolve) => (timer = setLongTimeout(resolve, ms))),
    ]);
  } finally {
    timer?.clear();
  }
}
