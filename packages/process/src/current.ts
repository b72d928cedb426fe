/**
 * Who is this process? The identity of the running process or thread and its relatives:
 * `currentProcess()`, `parentProcess()`, `activeChildren()`, `cpuCount()`, `isMainProcess()`.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { sharedState } from '#serialize-resolve';
import type { Identity } from './protocol.js';

// Modules a child may never need are loaded on first use: every millisecond here is paid at
// every process start.
const lazyRequire = createRequire(import.meta.url);

interface ProcessState {
  /** `authkey` is created on first use in the main process (crypto costs ~5 ms at load). */
  self: Omit<Identity, 'authkey'> & { authkey: Buffer | undefined };
  /** How many Process objects this process has created: the last part of a child's identity. */
  counter: number;
}

const state = sharedState<ProcessState>('processState', () => ({
  self: {
    name: 'MainProcess',
    daemon: false,
    identity: [],
    authkey: undefined,
    parent: null,
    startMethod: null,
  },
  counter: 0,
}));

/** @internal Replaces this process's identity (the child bootstrap calls it before the target runs). */
export function adoptIdentity(identity: Identity): void {
  state.self = identity;
}

/** @internal The identity of this process, as sent to children. */
export function selfIdentity(): Identity {
  state.self.authkey ??= (lazyRequire('node:crypto') as typeof import('node:crypto')).randomBytes(
    32,
  );
  return state.self as Identity;
}

/** @internal The next child identity, e.g. `[1, 3]` in `Process-1`'s third child. */
export function nextChildIdentity(): number[] {
  state.counter += 1;
  return [...state.self.identity, state.counter];
}

/**
 * The running process (or `thread`-context thread), as Python's `current_process()` shows it.
 */
export class CurrentProcess {
  /** `'MainProcess'` in the main process, the `Process` name in a child. Settable. */
  get name(): string {
    return state.self.name;
  }
  set name(value: string) {
    if (typeof value !== 'string')
      throw new TypeError(`name must be a string, got ${typeof value}`);
    state.self.name = value;
  }
  /** The OS process id (the same for every thread of a process). */
  get pid(): number {
    return process.pid;
  }
  /** Alias of `pid`, as in Python. */
  get ident(): number {
    return process.pid;
  }
  /** The worker thread id: 0 in a process's main thread. */
  get threadId(): number {
    return process.send
      ? 0
      : (lazyRequire('node:worker_threads') as typeof import('node:worker_threads')).threadId;
  }
  /** Whether this process was started as a daemon. */
  get daemon(): boolean {
    return state.self.daemon;
  }
  /** The position in the process tree (`[]` in the main process, `[1, 2]` in `Process-1:2`). */
  get identity(): readonly number[] {
    return state.self.identity;
  }
  /** The authentication key inherited from the main process (used by managers and listeners). */
  get authkey(): Buffer {
    return selfIdentity().authkey;
  }
  set authkey(value: Buffer) {
    if (!Buffer.isBuffer(value)) throw new TypeError('authkey must be a Buffer');
    state.self.authkey = value;
  }
  /** How this process was started: `'spawn'`, `'thread'`, or `null` for the main process. */
  get startMethod(): 'spawn' | 'thread' | null {
    return state.self.startMethod;
  }
}

const current = new CurrentProcess();

/**
 * The process (or thread-context worker) this code runs in.
 *
 * @example
 * ```ts
 * console.log(currentProcess().name); // 'MainProcess', or 'Process-1' in a child
 * ```
 */
export function currentProcess(): CurrentProcess {
  return current;
}

/** The parent of the current process, as `parentProcess()` returns it. */
export interface ParentProcess {
  /** The parent's process id. */
  readonly pid: number;
  /** The parent's name (`'MainProcess'` for the main process). */
  readonly name: string;
  /** Whether the parent process is still running. */
  isAlive(): boolean;
}

/**
 * The parent of the current process, or `null` in the main process.
 *
 * @example
 * ```ts
 * const parent = parentProcess(); if (parent) console.log('started by', parent.pid);
 * ```
 */
export function parentProcess(): ParentProcess | null {
  const parent = state.self.parent;
  if (!parent) return null;
  const { pid, name } = parent;
  return {
    pid,
    name,
    isAlive(): boolean {
      if (pid === process.pid) return true; // thread context: the parent is this very process
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}

/**
 * The number of CPUs this process may use (respects CPU affinity, like
 * `os.availableParallelism()`); the default size of a `Pool`.
 *
 * @example
 * ```ts
 * const pool = new Pool(cpuCount());
 * ```
 */
export function cpuCount(): number {
  return availableParallelism();
}

/**
 * True in the program's main process; false in every child process and `thread`-context worker.
 * Guard a main script's top-level work with it: children import the main script to find
 * exported targets, as Python children do with `if __name__ == '__main__'`.
 *
 * @example
 * ```ts
 * export function work(x: number) { return x * 2 }
 * if (isMainProcess()) { const p = new Process({ target: work, args: [21] }); p.start(); await p.join() }
 * ```
 */
export function isMainProcess(): boolean {
  return state.self.startMethod === null;
}
