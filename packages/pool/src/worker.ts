/**
 * The worker loop: what every pool worker (a `spawn` process or a `thread`-context worker) runs.
 * The pool starts each worker as a `Process` whose target is `poolWorker`, by reference to this
 * file (built on its own as `dist/worker.cjs`).
 *
 * 1. Run the initializer, if any.
 * 2. Open its end of the channel (a socket pair) and say hello (its worker id), or report the
 *    initializer's error and stop.
 * 3. Run tasks one at a time, in the order they arrive; a task that returns a promise is awaited
 *    before the next starts. Results of the tasks that ran in one turn of the event loop go out in
 *    one write.
 * 4. Stop when the pool says `Exit` (after the queued tasks) or the socket closes (the pool is gone).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { descriptorOf, parentChannel } from '@multiproc/process/internal';
import {
  NeedsImportError,
  assertSendable,
  decode,
  decodeAsync,
  encode,
  resolveFunction,
  resolveFunctionSync,
  type EncodeContext,
  type FunctionSpec,
} from '@multiproc/serialize';
import { encodeValue } from './chunking.js';
import { openChannel, type ChannelEnd } from './channel.js';
import { ChunkRun, isThenable, type Outcome } from './chunk-run.js';
import { Deque } from './deque.js';
import { ProtocolError, Type, readMessage, writeMessage, type WireMessage } from './protocol.js';

/** What the pool gives each worker at start. */
export interface WorkerConfig {
  /** The worker's end of its channel to the pool (a socket pair). */
  channel: ChannelEnd;
  workerId: number;
  initializer: FunctionSpec | null;
  initargs: unknown[];
  /** Ask to be replaced once memory use passes this many bytes (RSS; a thread's V8 heap). */
  maxMemory: number | null;
  /** Where results go: `'thread'` for a ThreadPool (the same process), else `'process'`. */
  destination: 'process' | 'thread';
  /** The control-channel topic on which sockets passed as task arguments arrive. */
  handleTopic: string;
}

type TaskMessage = Extract<WireMessage, { type: Type.Task }>;
type Fn = (...args: unknown[]) => unknown;

const lazyRequire = createRequire(import.meta.url);

/**
 * `keepWarm` of `@multiproc/native`, loaded at the first result (a spawn worker has the addon
 * loaded already, for its parent-death signal); a no-op if the addon cannot load here.
 */
let warm: (() => void) | undefined;
function keepWarm(): void {
  if (!warm) {
    try {
      const native = lazyRequire('@multiproc/native') as typeof import('@multiproc/native');
      warm = () => native.keepWarm();
    } catch {
      warm = () => undefined;
    }
  }
  warm();
}

/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: the first use of the `performance`
 * global loads `perf_hooks` and eight internal modules into the worker (0.2-0.3 MiB of RSS in
 * every idle worker, measured), for a clock that `process.hrtime()` reads as well.
 */
function nowMs(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e3 + nanos / 1e6;
}

/** How often, at most, memory use is measured after short tasks. */
const kMemoryCheckIntervalMs = 20;

/**
 * Entry point of a pool worker. Resolves when the pool lets the worker go; the process (or
 * thread) then exits with code 0.
 * @internal
 */
export async function poolWorker(config: WorkerConfig): Promise<void> {
  let initError: { error: unknown } | undefined;
  if (config.initializer) {
    try {
      const init = await resolveFunction(config.initializer);
      await init(...config.initargs);
    } catch (error) {
      initError = { error };
    }
  }
  const loop = new WorkerLoop(config);
  const hello = (initError: Uint8Array | null): Buffer =>
    Buffer.concat(writeMessage({ type: Type.Hello, workerId: config.workerId, initError }));
  if (initError) {
    await writeAndEnd(
      loop.socket,
      hello(encodeOrDescribe(initError.error, 'error', config.destination)),
    );
    return;
  }
  loop.socket.write(hello(null));
  await loop.finished;
}

function writeAndEnd(socket: Socket, buffer: Buffer): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.on('error', () => resolve());
    socket.end(buffer);
  });
}

/** A handle of a task as it arrived: a descriptor this worker owns, or why it did not come. */
type ArrivedHandle = { fd: number } | { lost: string };

/** The descriptor of a socket received over IPC, duplicated, and the socket object let go. */
function adoptSocket(handle: unknown): ArrivedHandle {
  const socket = handle as Socket | undefined;
  const fd = socket ? descriptorOf(socket) : null;
  if (fd === null) return { lost: 'the socket arrived without a file descriptor' };
  const { dupFd } = lazyRequire('@multiproc/native') as typeof import('@multiproc/native');
  const own = dupFd(fd);
  (socket as Socket).destroy();
  return { fd: own };
}

/** Encodes a value; if it cannot be sent, encodes the TypeError that says why instead. */
function encodeOrDescribe(value: unknown, path: string, destination: 'process' | 'thread'): Buffer {
  try {
    return encode(value, { path, context: contextFor(destination) });
  } catch (error) {
    return encode(error);
  }
}

const contexts = new Map<string, EncodeContext>();
function contextFor(destination: 'process' | 'thread'): EncodeContext {
  let context = contexts.get(destination);
  if (!context) {
    context = {
      destination,
      transfer(): number {
        throw new TypeError(
          'a pool task cannot return a socket or file descriptor; send it through a Pipe or Queue instead',
        );
      },
    };
    contexts.set(destination, context);
  }
  return context;
}

/**
 * The error of a task one of whose handles did not arrive, or `undefined`. The descriptors that
 * did arrive are closed: the task will not run to own them.
 */
function lostHandle(handles: ArrivedHandle[]): TypeError | undefined {
  const index = handles.findIndex((h) => 'lost' in h);
  if (index < 0) return undefined;
  const { closeFd } = lazyRequire('@multiproc/native') as typeof import('@multiproc/native');
  for (const h of handles) if ('fd' in h) closeFd(h.fd);
  return new TypeError(
    `socket ${index} among the task's arguments did not reach the worker: ${(handles[index] as { lost: string }).lost}`,
  );
}

class WorkerLoop {
  /** The worker's end of its channel. */
  readonly socket: Socket;
  readonly #config: WorkerConfig;
  /** Function specs by id, replaced by the function once resolved. */
  readonly #fns = new Map<number, { spec: FunctionSpec; fn: Fn | undefined }>();
  readonly #queue = new Deque<TaskMessage>();
  /** Sockets passed as task arguments, by task id (they arrive on the control channel). */
  readonly #handles = new Map<number, ArrivedHandle[]>();
  #out: Buffer[] = [];
  #busy = false;
  #exiting = false;
  #closed = false;
  #lastMemoryCheck = 0;
  #resolveFinished!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.#resolveFinished = resolve));

  constructor(config: WorkerConfig) {
    this.#config = config;
    const socket = openChannel(config.channel.fd, {
      frames: (frames) => this.#onFrames(frames),
      broken: () => this.#finish(),
    });
    this.socket = socket;
    // The pool closed its end (it is gone, or let this worker go): nothing more will come.
    socket.on('end', () => {
      this.#exiting = true;
      this.#pump();
    });
    socket.on('close', () => this.#finish());
    socket.on('error', () => this.#finish());
    // A task that calls process.exit() ends the worker in the middle of a batch: the results of
    // the tasks before it must still reach the pool, or it would count them as lost and run them
    // again. They are written synchronously on the way out.
    process.once('exit', () => this.#flushSync());
    this.#listenForHandles();
  }

  /**
   * OS handles passed as task arguments travel on the control channel, beside the task on the
   * data channel (see the engine's `#sendHandles`). The listener must be in place before the
   * worker says hello. `@multiproc/process/internal` is a small entry that shares the channel the
   * child bootstrap set, without loading the whole package (~1.5 MiB less in every idle worker).
   *
   * Whatever the start method, the task's decoder gets `{ fd }`, a descriptor this worker owns,
   * as a child does for handles passed at start: a thread receives a duplicate made for it; a
   * process receives a socket from Node's IPC channel, whose descriptor is duplicated once more
   * so that the socket object Node made can be let go without closing it. A handle the pool could
   * not pass arrives as `lost`: its task fails, and the tasks behind it run.
   */
  #listenForHandles(): void {
    parentChannel()?.on(this.#config.handleTopic, (data, handle) => {
      const { taskId, index, fd, lost } = data as {
        taskId: number;
        index: number;
        fd?: number;
        lost?: true;
      };
      let list = this.#handles.get(taskId);
      if (!list) this.#handles.set(taskId, (list = []));
      if (lost) list[index] = { lost: 'the pool could not pass it' };
      else list[index] = fd !== undefined ? { fd } : adoptSocket(handle);
      this.#pump();
    });
  }

  #onFrames(frames: Buffer[]): void {
    for (const frame of frames) {
      const message = readMessage(frame);
      switch (message.type) {
        case Type.Function:
          this.#fns.set(message.fnId, {
            spec: decode(message.spec) as FunctionSpec,
            fn: undefined,
          });
          break;
        case Type.Task:
          this.#queue.push(message);
          break;
        default:
          break;
      }
    }
    this.#pump();
  }

  /** Runs queued tasks until one has to wait; then writes what is done in one go. */
  #pump(): void {
    if (this.#busy || this.#closed) return;
    while (this.#queue.length > 0) {
      const task = this.#queue.peek() as TaskMessage;
      if (
        task.handles > 0 &&
        (this.#handles.get(task.taskId)?.filter(Boolean).length ?? 0) < task.handles
      )
        break;
      this.#queue.shift();
      const pending = this.#run(task);
      if (pending) {
        this.#busy = true;
        this.#flush();
        void pending.then(() => {
          this.#busy = false;
          this.#pump();
        });
        return;
      }
    }
    this.#flush();
    if (this.#exiting && this.#queue.length === 0) {
      this.#closed = true;
      this.socket.end();
    }
  }

  #flush(): void {
    const out = this.#out;
    if (out.length === 0) return;
    this.#out = [];
    // The pool usually answers a result with the next task: keep this process's CPUs awake
    // for it, so that it wakes the event loop without an idle CPU's wake-up cost.
    keepWarm();
    if (out.length === 1) {
      this.socket.write(out[0] as Buffer);
      return;
    }
    this.socket.cork();
    for (const buffer of out) this.socket.write(buffer);
    this.socket.uncork();
  }

  #flushSync(): void {
    const fd = descriptorOf(this.socket);
    if (fd === null || this.#out.length === 0) return;
    const { writeSync } = lazyRequire('node:fs') as typeof import('node:fs');
    try {
      for (const buffer of this.#out) {
        for (let offset = 0; offset < buffer.length;)
          offset += writeSync(fd, buffer, offset, buffer.length - offset);
      }
    } catch {
      // The socket is full or gone: what did not get out is lost with the worker.
    }
    this.#out = [];
  }

  #finish(): void {
    this.#closed = true;
    this.#resolveFinished();
  }

  /** Runs one task; returns a promise if it has to wait (an import, or a promise result). */
  #run(task: TaskMessage): Promise<void> | undefined {
    const started = nowMs();
    const entry = this.#fns.get(task.fnId);
    if (!entry) {
      this.#reply(task, started, {
        f64: null,
        values: null,
        errors: [[0, new ProtocolError(`pool protocol: unknown function ${task.fnId}`)]],
        count: 0,
      });
      return undefined;
    }
    let fn = entry.fn;
    if (fn === undefined) {
      fn = resolveFunctionSync(entry.spec);
      if (fn === undefined) {
        return resolveFunction(entry.spec).then(
          (resolved) => {
            entry.fn = resolved;
            return this.#run(task);
          },
          (error: unknown) => {
            this.#reply(task, started, { f64: null, values: null, errors: [[0, error]], count: 0 });
          },
        );
      }
      entry.fn = fn;
    }
    let decoded: unknown;
    const handles = task.handles > 0 ? (this.#handles.get(task.taskId) ?? []) : undefined;
    if (handles) {
      this.#handles.delete(task.taskId);
      const lost = lostHandle(handles);
      if (lost) {
        this.#reply(task, started, { f64: null, values: null, errors: [[0, lost]], count: 0 });
        return undefined;
      }
    }
    if (task.body.kind !== 'f64') {
      try {
        decoded = decode(task.body.bytes, handles ? { handles } : undefined);
      } catch (error) {
        if (error instanceof NeedsImportError) {
          const body = task.body;
          return decodeAsync(body.bytes, handles ? { handles } : undefined).then(
            (value) => this.#runDecoded(task, fn, value, started),
            (decodeError: unknown) =>
              this.#reply(task, started, {
                f64: null,
                values: null,
                errors: [[0, decodeError]],
                count: 0,
              }),
          );
        }
        this.#reply(task, started, { f64: null, values: null, errors: [[0, error]], count: 0 });
        return undefined;
      }
    }
    return this.#runDecoded(task, fn, decoded, started);
  }

  #runDecoded(
    task: TaskMessage,
    fn: Fn,
    decoded: unknown,
    started: number,
  ): Promise<void> | undefined {
    const { body } = task;
    if (body.kind === 'args') {
      let result: unknown;
      try {
        result = fn(...(decoded as unknown[]));
      } catch (error) {
        this.#reply(task, started, { f64: null, values: null, errors: [[0, error]], count: 1 });
        return undefined;
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          (value) => this.#replyValue(task, started, value),
          (error: unknown) =>
            this.#reply(task, started, { f64: null, values: null, errors: [[0, error]], count: 1 }),
        );
      }
      this.#replyValue(task, started, result);
      return undefined;
    }
    const items = body.kind === 'f64' ? body.values : (decoded as unknown[]);
    const run = new ChunkRun(fn, items, body.kind === 'star', task.stopOnError);
    const pending = run.runSync();
    if (pending) return pending.then(() => this.#reply(task, started, run.outcome()));
    this.#reply(task, started, run.outcome());
    return undefined;
  }

  /** The reply of an `apply` task: the value alone. */
  #replyValue(task: TaskMessage, started: number, value: unknown): void {
    const runMicros = this.#elapsed(started);
    let bytes: Buffer;
    try {
      bytes = encodeValue(value, 'result', contextFor(this.#config.destination));
    } catch (error) {
      this.#reply(task, started, { f64: null, values: null, errors: [[0, error]], count: 1 });
      return;
    }
    this.#out.push(
      ...writeMessage({
        type: Type.Result,
        taskId: task.taskId,
        count: 1,
        runMicros,
        retire: this.#overMemory(runMicros),
        body: { kind: 'values', bytes },
      }),
    );
  }

  #reply(task: TaskMessage, started: number, outcome: Outcome): void {
    const runMicros = this.#elapsed(started);
    const retire = this.#overMemory(runMicros);
    const { taskId } = task;
    const { count } = outcome;
    if (outcome.errors.length === 0 && outcome.f64 !== null) {
      const values = outcome.f64.length === count ? outcome.f64 : outcome.f64.subarray(0, count);
      this.#out.push(
        ...writeMessage({
          type: Type.Result,
          taskId,
          count,
          runMicros,
          retire,
          body: { kind: 'f64', values },
        }),
      );
      return;
    }
    const context = contextFor(this.#config.destination);
    const values: unknown[] =
      outcome.values ?? (outcome.f64 ? Array.from(outcome.f64.subarray(0, count)) : []);
    if (values.length > count) values.length = count;
    const errors = outcome.errors;
    if (errors.length === 0) {
      let bytes: Buffer;
      try {
        bytes = encode(values, { path: 'results', context });
      } catch {
        // Say which item's result could not be sent, by its index in the whole call.
        const bad = this.#unsendable(values, task.start);
        errors.push(bad);
        values.length = bad[0];
        this.#out.push(...this.#errorsFrame(task, runMicros, retire, values, errors, bad[0] + 1));
        return;
      }
      this.#out.push(
        ...writeMessage({
          type: Type.Result,
          taskId,
          count,
          runMicros,
          retire,
          body: { kind: 'values', bytes },
        }),
      );
      return;
    }
    for (const [i] of errors) if (i < values.length) values[i] = undefined;
    this.#out.push(...this.#errorsFrame(task, runMicros, retire, values, errors, count));
  }

  #unsendable(values: unknown[], start: number): [number, unknown] {
    for (let i = 0; i < values.length; i++) {
      try {
        assertSendable(values[i], `result of items[${start + i}]`);
      } catch (error) {
        return [i, error];
      }
    }
    return [0, new TypeError('results cannot be sent')];
  }

  #errorsFrame(
    task: TaskMessage,
    runMicros: number,
    retire: boolean,
    values: unknown[],
    errors: [number, unknown][],
    count: number,
  ): Buffer[] {
    const context = contextFor(this.#config.destination);
    let bytes: Buffer;
    try {
      bytes = encode([values, errors], { path: 'results', context });
    } catch {
      // Some value or error could not be sent: send each error on its own, values dropped.
      const safeErrors = errors.map(([i, error]): [number, unknown] => {
        try {
          encode(error, { context });
          return [i, error];
        } catch (encodeError) {
          return [i, encodeError];
        }
      });
      bytes = encode([[], safeErrors], { context });
    }
    return writeMessage({
      type: Type.Result,
      taskId: task.taskId,
      count,
      runMicros,
      retire,
      body: { kind: 'errors', bytes },
    });
  }

  #elapsed(started: number): number {
    return Math.max(0, Math.round((nowMs() - started) * 1000));
  }

  /**
   * Whether memory use is over the limit. Measured after a task that ran ≥ 1 ms, and otherwise
   * at most every `kMemoryCheckIntervalMs`: reading RSS costs ~4 µs, a fifth of a whole `apply`
   * round trip.
   */
  #overMemory(runMicros: number): boolean {
    const limit = this.#config.maxMemory;
    if (limit === null) return false;
    const now = nowMs();
    if (runMicros < 1000 && now - this.#lastMemoryCheck < kMemoryCheckIntervalMs) return false;
    this.#lastMemoryCheck = now;
    // A thread shares the process's RSS with every other thread: its own V8 heap is what it owns.
    const used =
      this.#config.destination === 'thread'
        ? (lazyRequire('node:v8') as typeof import('node:v8')).getHeapStatistics().used_heap_size
        : process.memoryUsage.rss();
    return used > limit;
  }
}
