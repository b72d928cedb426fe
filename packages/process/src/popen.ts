/**
 * Launchers: how a child is started and watched, one class per start method (CPython's
 * `popen_spawn_posix.py` and `dummy/`).
 *
 * `spawn`: `child_process.fork` of the bootstrap with the parent's `execArgv` (so loaders such
 * as `tsx` work), env and cwd; stdin closed, stdout/stderr shared with the parent; Node's IPC
 * channel as the control channel; transferred handles as extra stdio entries (fd 4, 5, …).
 * `thread`: a `worker_threads` Worker running the same bootstrap.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { dupFd } from '@multiproc/native';
import { ProcessError, type TransferableHandle } from '@multiproc/serialize';
import { ChildProcessChannel, WorkerChannel, type ControlChannel } from './channel.js';
import { descriptorOf } from './descriptor.js';
import { spawnHooks } from './spawn-hooks.js';
import type { ParentMessage, ThreadStart } from './protocol.js';

/** A started child, whatever the start method. */
export interface Popen {
  readonly pid: number | undefined;
  /** `null` while running; 0 ok; N for `exit(N)`; -N when killed by signal N. */
  readonly exitcode: number | null;
  /** Settles with the exit code. */
  readonly exited: Promise<number>;
  readonly channel: ControlChannel;
  terminate(): void;
  kill(): void;
  /** Stops the child from keeping this process's event loop alive (daemon children). */
  unref(): void;
}

/** What both launchers need. */
export interface LaunchOptions {
  payload: Buffer;
  handles: TransferableHandle[];
  daemon: boolean;
  /** For error messages. */
  name: string;
}

// Loaded when a child is started rather than at import: a child that starts no children of its
// own never pays for them.
const lazyRequire = createRequire(import.meta.url);

/**
 * The child's entry point. Always the CommonJS one, whichever build the parent loaded: a
 * CommonJS entry starts ~5 ms faster than an ES module one, and the child bundle shares all its
 * state with either build through `sharedState`.
 */
export const bootstrapUrl = new URL('../bootstrap/child.cjs', import.meta.url);

/**
 * Options that must not reach a child: an inspector port the parent already holds, code to
 * evaluate instead of the bootstrap, a test runner or watch mode of the parent.
 */
const dropped =
  /^--(inspect|inspect-brk|inspect-port|debug-port|inspect-publish-uid|watch|watch-path|test|test-[a-z-]+|eval|print|interactive|input-type)(=|$)/;
const droppedWithValue = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '--inspect-port',
  '--debug-port',
  '--watch-path',
  '--input-type',
]);

/** The parent's `execArgv` minus options that only make sense once. */
export function childExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (droppedWithValue.has(arg)) {
      i++;
      continue;
    }
    if (arg === '-i' || dropped.test(arg)) continue;
    out.push(arg);
  }
  return out;
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

/** Settles a promise from outside. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A `spawn` child: a real OS process. */
export class SpawnPopen implements Popen {
  readonly #child: ChildProcess;
  readonly #exited = deferred<number>();
  #exitcode: number | null = null;
  readonly channel: ChildProcessChannel;

  constructor(options: LaunchOptions) {
    const stdio: (number | 'ignore' | 'inherit' | 'ipc' | import('node:net').Socket)[] = [
      'ignore',
      'inherit',
      'inherit',
      'ipc',
    ];
    const handleFds: number[] = [];
    for (const handle of options.handles) {
      handleFds.push(stdio.length);
      stdio.push(handle.kind === 'socket' ? handle.socket : handle.fd);
    }
    let env: NodeJS.ProcessEnv = process.env;
    for (const hook of spawnHooks()) {
      const addition = hook(stdio.length);
      if (!addition) continue;
      stdio.push(addition.fd);
      env = { ...env, ...addition.env };
    }
    const { fork } = lazyRequire('node:child_process') as typeof import('node:child_process');
    this.#child = fork(bootstrapUrl, [], {
      // Explicit, so a test runner's sandboxed `process.env` reaches the child too.
      env,
      cwd: process.cwd(),
      execArgv: childExecArgv(),
      stdio,
      serialization: 'advanced',
    });
    if (this.#child.pid === undefined) {
      throw new ProcessError(
        `could not start process ${options.name}: the system refused to create it`,
      );
    }
    this.#child.on('error', () => {
      // A failed send or kill; the exit event reports the outcome.
    });
    this.#child.once('exit', (code, signal) => {
      this.#exitcode = code ?? (signal ? -signalNumber(signal) : 1);
      this.#exited.resolve(this.#exitcode);
    });
    this.channel = new ChildProcessChannel(this.#child);
    // The channel must not keep us alive on its own: the child process handle does that for
    // non-daemon children, and nothing should for daemon ones.
    this.#child.channel?.unref();
    const start: ParentMessage = { type: 'start', payload: options.payload, handleFds };
    this.#child.send(start, undefined, {}, () => undefined);
    if (options.daemon) this.unref();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exitcode(): number | null {
    return this.#exitcode;
  }

  get exited(): Promise<number> {
    return this.#exited.promise;
  }

  terminate(): void {
    if (this.#exitcode === null) this.#child.kill('SIGTERM');
  }

  kill(): void {
    if (this.#exitcode === null) this.#child.kill('SIGKILL');
  }

  unref(): void {
    this.#child.unref();
    this.#child.channel?.unref();
  }
}

/** The descriptor behind a transferable handle, for a thread that shares this process's table. */
function handleDescriptor(handle: TransferableHandle, name: string): number {
  if (handle.kind === 'fd') return handle.fd;
  const fd = descriptorOf(handle.socket);
  if (fd === null) {
    throw new TypeError(
      `process ${name}: a socket without a file descriptor cannot be passed to a thread`,
    );
  }
  return fd;
}

/** A `thread` child: a worker thread of this process. */
export class ThreadPopen implements Popen {
  readonly #worker: Worker;
  readonly #exited = deferred<number>();
  #exitcode: number | null = null;
  /** What `terminate()`/`kill()` asked for, so the exit code reads like a signal's. */
  #stopSignal = 0;
  readonly channel: WorkerChannel;

  constructor(options: LaunchOptions) {
    // Threads share the process's descriptors; each handle gets a duplicate of its own, so the
    // parent closing its copy (as Python code does right after start()) cannot close the
    // thread's.
    const handleFds = options.handles.map((handle) =>
      dupFd(handleDescriptor(handle, options.name)),
    );
    const workerData: ThreadStart = { multiprocThread: true, payload: options.payload, handleFds };
    const { Worker } = lazyRequire('node:worker_threads') as typeof import('node:worker_threads');
    this.#worker = new Worker(bootstrapUrl, {
      workerData,
      stdin: false,
      stdout: false,
      stderr: false,
    });
    this.#worker.on('error', (error) => {
      // An error thrown after the target returned; a process would print it and exit with 1.
      process.stderr.write(
        `Process ${options.name}:\n${error instanceof Error ? error.stack : String(error)}\n`,
      );
    });
    this.#worker.once('exit', (code) => {
      this.#exitcode = this.#stopSignal ? -this.#stopSignal : code;
      this.#exited.resolve(this.#exitcode);
    });
    this.channel = new WorkerChannel(this.#worker);
    if (options.daemon) this.unref();
  }

  get pid(): number {
    return process.pid;
  }

  /** The worker's thread id. */
  get threadId(): number {
    return this.#worker.threadId;
  }

  get exitcode(): number | null {
    return this.#exitcode;
  }

  get exited(): Promise<number> {
    return this.#exited.promise;
  }

  terminate(): void {
    this.#stop(constants.signals.SIGTERM);
  }

  kill(): void {
    this.#stop(constants.signals.SIGKILL);
  }

  #stop(signal: number): void {
    if (this.#exitcode !== null) return;
    this.#stopSignal ||= signal;
    void this.#worker.terminate();
  }

  unref(): void {
    this.#worker.unref();
  }
}
