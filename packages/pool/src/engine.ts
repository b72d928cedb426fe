/**
 * The pool engine: the queue of pending tasks, the workers, and their lives.
 *
 * Transport (`channel.ts`, `protocol.ts`): each worker has a socket pair with the pool and
 * exchanges length-prefixed binary frames over it; the frames written in one scheduling pass go
 * out in one write (one `writev` when there are several).
 *
 * Scheduling. Tasks (one per `apply`, one per chunk of a map-like call) wait in an O(1) deque.
 * An idle worker takes the next task; the most recently idle one first, whose CPU caches are
 * warm. A worker that just answered may take more tasks than it can start at once when the
 * function's recent tasks were short (pipelining), which hides the round trip behind the work;
 * tasks of slow or untimed functions are never queued behind one another in a worker, so a
 * worker that frees up always finds them here. Workers start on demand, up to `processes`.
 *
 * Every task settles. The engine knows which worker holds which task: a worker runs its tasks one
 * at a time in the order it received them, so when it dies, the first task it held was running
 * (it fails with `WorkerLostError`) and the others had not started (they go back to the front of
 * the queue). A task over its `timeout`, or cancelled through its call's `AbortSignal`, is settled
 * first and its worker killed. `terminate()` settles everything that is left.
 */
import type { ChildProcess } from 'node:child_process';
import {
  checkTimeout,
  closeFd,
  dupFd,
  keepWarm,
  setLongTimeout,
  socketpair,
} from '@multiproc/native';
import { controlChannelOf, type Process, type StartMethod } from '@multiproc/process';
import {
  ProcessError,
  TimeoutError,
  WorkerLostError,
  decode,
  decodeAsync,
  taskRef,
  type EncodeContext,
  type TransferableHandle,
} from '@multiproc/serialize';
import { encodeArgs } from './chunking.js';
import { Deque } from './deque.js';
import { FunctionTable } from './functions.js';
import type { ResolvedPoolOptions } from './options.js';
import { Type, readMessage, writeMessage, type WireMessage } from './protocol.js';
import type { Job, Task, TaskOutcome } from './task.js';
import { ChannelEnd, openChannel } from './channel.js';
import type { WorkerConfig } from './worker.js';
import { WorkerRecord, describeExit } from './worker-record.js';

/** The function every worker runs: the loop of `worker.ts`, built as `dist/worker.cjs`. */
const workerTarget = taskRef(new URL('./worker.cjs', import.meta.url).href, 'poolWorker');

/** After `terminate()` sends SIGTERM, how long a worker has before SIGKILL. */
const kTerminateGraceMs = 1000;
/** After a worker exits, how long its socket may take to deliver what it wrote before dying. */
const kExitGraceMs = 500;
/** Workers dying before they are ready this many times in a row break the pool. */
const kMaxStartFailures = 3;

/** What the engine needs from the pool's options, checked and resolved. */
export type EngineOptions = ResolvedPoolOptions;

/** `closing` becomes `closed` once every worker has exited. */
export type EngineState = 'running' | 'closing' | 'closed' | 'terminated' | 'broken';

const noop = (): void => undefined;

/** Pools made in this process: each gets its own control-channel topic for handles. */
let poolCount = 0;

/** The descriptor behind a transferable handle. */
function descriptorOf(handle: TransferableHandle): number {
  if (handle.kind === 'fd') return handle.fd;
  // `_handle.fd` is how Node itself finds a socket's descriptor (child_process stdio does too).
  const fd = (handle.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0)
    throw new TypeError('a socket without a file descriptor cannot be passed to a ThreadPool task');
  return fd;
}

/** The private engine behind a `Pool`. */
export class Engine {
  readonly processes: number;
  readonly startMethod: StartMethod;
  readonly #options: EngineOptions;
  #state: EngineState = 'running';
  #stopError: Error | null = null;
  readonly #queue = new Deque<Task>();
  readonly #workers = new Map<number, WorkerRecord>();
  readonly #idle: WorkerRecord[] = [];
  /** Workers starting or ready: those that count against `processes`. */
  #active = 0;
  #nextWorkerId = 0;
  #startFailures = 0;
  #scheduled = false;
  /** Calls that may still submit tasks (imap iterators still reading their iterable). */
  readonly #openJobs = new Set<Job>();
  /** The control-channel topic on which sockets passed as task arguments travel. */
  readonly #handleTopic: string;
  readonly #functions = new FunctionTable();
  /** Average run time of each function's recent tasks, in µs. */
  readonly #runMicros = new Map<number, number>();
  // Keeping the event loop alive while there is work or a join() waits
  #holds = 0;
  readonly #keepAlive: NodeJS.Timeout;
  #finishedResolve!: () => void;
  readonly #finished = new Promise<void>((resolve) => (this.#finishedResolve = resolve));
  #finishedAlready = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.processes = options.processes;
    this.startMethod = options.context.startMethod;
    this.#handleTopic = `multiproc.pool.handle.${++poolCount}`;
    this.#keepAlive = setInterval(noop, 2 ** 30);
    this.#keepAlive.unref();
  }

  // -------------------------------------------------------------------------------------------
  // State

  get state(): EngineState {
    return this.#state;
  }

  /** Throws unless tasks may be submitted. */
  assertRunning(): void {
    if (this.#state === 'running') return;
    if (this.#stopError && this.#state === 'broken') throw this.#stopError;
    throw new ProcessError(
      this.#state === 'closing' || this.#state === 'closed'
        ? 'the pool is closed: no new tasks can be submitted'
        : 'the pool was terminated: no new tasks can be submitted',
      'ERR_MP_POOL_NOT_RUNNING',
    );
  }

  /**
   * The `EncodeContext` for a task's arguments: OS handles (sockets; descriptors, for thread
   * pools) are collected to travel beside it.
   */
  contextFor(handles: TransferableHandle[]): EncodeContext {
    const thread = this.startMethod === 'thread';
    return {
      destination: thread ? 'thread' : 'process',
      transfer(handle: TransferableHandle): number {
        // Node's IPC channel passes sockets to a running process, not other descriptors.
        if (!thread && handle.kind !== 'socket')
          throw new TypeError(
            'a file descriptor (an anonymous SharedMemory, say) cannot reach a running pool process; ' +
              'use a named SharedMemory, or a ThreadPool',
          );
        return handles.push(handle) - 1;
      },
    };
  }

  /** Encodes an `apply` call's arguments, refusing what cannot be sent (`args[1].handler …`). */
  encodeArgs(args: unknown[], handles: TransferableHandle[]): Buffer {
    return encodeArgs(args, 'args', () => this.contextFor(handles));
  }

  /** The id workers know a function by; describes it (and refuses it) on first use. */
  functionId(fn: unknown, path: string): number {
    return this.#functions.idOf(fn, path);
  }

  // -------------------------------------------------------------------------------------------
  // Submitting and cancelling

  /** Queues tasks (the pool checked `assertRunning()`). */
  submit(tasks: Task[]): void {
    const idleNow = this.#queue.length === 0 && this.#idle.length > 0 && !this.#scheduled;
    for (const task of tasks) {
      this.#queue.push(task);
      this.#hold();
    }
    // The `apply` round trip: one task, already encoded, and a worker waiting for it goes out
    // now (sending cannot fail, so nothing settles before the caller has its promise). Anything
    // else waits for the end of the current synchronous stretch, to go out in one write.
    if (idleNow && tasks.length === 1 && tasks[0]?.body !== null) this.#schedule();
    else this.#scheduleSoon();
  }

  /** A call that will submit more tasks later: a closing pool waits for it. */
  openJob(job: Job): void {
    this.#openJobs.add(job);
  }

  /** The call will submit no more tasks. */
  closeJob(job: Job): void {
    if (!this.#openJobs.delete(job) || this.#state !== 'closing') return;
    this.#schedule();
    this.#maybeFinished();
  }

  /** Whether a closing pool has nothing left to wait for but its running tasks. */
  #drained(): boolean {
    return this.#queue.length === 0 && this.#openJobs.size === 0;
  }

  /**
   * Settles every unfinished task of a job with `error` (the job ignores it if it already
   * settled). Queued tasks are dropped; with `kill`, workers running one are killed, which
   * stops the work itself (timeouts, aborts).
   */
  cancel(job: Job, error: unknown, kill: boolean): void {
    const queued = this.#queue.drain();
    for (const task of queued) {
      if (task.job === job) this.#settleFailed(task, error);
      else this.#queue.push(task);
    }
    for (const w of [...this.#workers.values()]) {
      let running = true;
      for (const task of w.inflight) {
        if (task.job === job && task.state === 'sent') {
          this.#settleFailed(task, error);
          if (running && kill) this.#kill(w);
        }
        running = false;
      }
    }
  }

  /** Stops accepting tasks; workers exit once the queued work is done. */
  close(): void {
    if (this.#state !== 'running') return;
    this.#state = 'closing';
    this.#schedule();
    this.#maybeFinished();
  }

  /** Kills every worker now and fails every unfinished task. */
  terminate(): void {
    if (this.#state === 'terminated') return;
    const error = new ProcessError(
      'the pool was terminated before this task finished',
      'ERR_MP_POOL_TERMINATED',
    );
    this.#stop('terminated', error);
  }

  /** Resolves once every worker has exited (after `close()` or `terminate()`). */
  async join(): Promise<void> {
    if (this.#state === 'running') {
      throw new ProcessError('join() needs close() or terminate() first', 'ERR_MP_POOL_RUNNING');
    }
    this.#hold();
    try {
      await this.#finished;
    } finally {
      this.#release();
    }
  }

  #stop(state: 'terminated' | 'broken', error: Error): void {
    const wasStopped =
      this.#state === 'terminated' || this.#state === 'broken' || this.#state === 'closed';
    this.#state = state;
    this.#stopError = error;
    if (!wasStopped) {
      for (const task of this.#queue.drain()) this.#settleFailed(task, error);
      for (const w of [...this.#workers.values()]) {
        for (const task of w.inflight) this.#settleFailed(task, error);
        this.#stopWorker(w);
      }
    }
    this.#maybeFinished();
  }

  /** The pool cannot go on (initializer failed, workers die at start): fail it clearly. */
  #break(error: Error): void {
    if (this.#state !== 'running' && this.#state !== 'closing') return;
    this.#stop('broken', error);
  }

  // -------------------------------------------------------------------------------------------
  // Keeping the event loop alive: an idle pool does not hold a program open (its workers are
  // daemons), a busy one does, and so does a pending join().

  #hold(): void {
    if (this.#holds++ === 0) this.#keepAlive.ref();
  }

  #release(): void {
    if (--this.#holds === 0) this.#keepAlive.unref();
  }

  // -------------------------------------------------------------------------------------------
  // Scheduling

  #scheduleSoon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Calls made in one synchronous stretch (a loop of applyAsync) go out in one write.
    queueMicrotask(() => this.#schedule());
  }

  /**
   * Hands queued tasks to workers and starts workers for what is left.
   *
   * @param refill - the worker whose results triggered this pass: the only one that may get
   *   more tasks than it can start at once (see `#pickWorker`).
   */
  #schedule(refill?: WorkerRecord): void {
    this.#scheduled = false;
    if (this.#state === 'terminated' || this.#state === 'broken') return;
    const touched: WorkerRecord[] = [];
    while (this.#queue.length > 0) {
      const w = this.#pickWorker(this.#queue.peek() as Task, refill);
      if (!w) break;
      if (w.outbox.length === 0) touched.push(w);
      this.#send(w, this.#queue.shift() as Task);
    }
    for (const w of touched) w.flush();
    // Results are on their way: keep this process's CPUs awake for them (`keepWarm`), so that
    // the first one wakes the event loop without an idle CPU's wake-up cost.
    if (touched.length > 0) keepWarm();
    if (this.#queue.length > 0) {
      let wanted = Math.min(this.#queue.length, this.processes - this.#active);
      while (wanted-- > 0 && this.#startWorker());
    } else if (this.#state === 'closing' && this.#drained()) {
      for (const w of this.#workers.values())
        if (w.state === 'ready' && w.inflight.length === 0) this.#dismiss(w);
    }
  }

  /**
   * The worker for `task`: an idle one (the most recently idle first), or else — pipelining —
   * the worker that just answered, if tasks of this function are short. Pipelining hides the
   * round trip behind the work, but commits the task to that worker: only a worker that has
   * just shown it is free gets extra tasks, only as many as are worth it for the function's
   * recent run time, and never a task of a function not yet timed or slower than 5 ms (it
   * waits here for whichever worker frees up first).
   */
  #pickWorker(task: Task, refill: WorkerRecord | undefined): WorkerRecord | undefined {
    while (this.#idle.length > 0) {
      const w = this.#idle.pop() as WorkerRecord;
      w.inIdle = false;
      if (w.state === 'ready' && w.inflight.length === 0) return w;
    }
    if (!refill || refill.state !== 'ready') return undefined;
    return refill.inflight.length < this.#depthFor(task.fnId) ? refill : undefined;
  }

  /** How many tasks of a function a worker may hold at once. */
  #depthFor(fnId: number): number {
    const run = this.#runMicros.get(fnId);
    if (run === undefined) return 1;
    if (run < 50) return 16;
    if (run < 500) return 4;
    if (run < 5000) return 2;
    return 1;
  }

  /** Frames `task` into the worker's outbox (written at the end of the scheduling pass). */
  #send(w: WorkerRecord, task: Task): void {
    if (task.body === null) {
      try {
        task.body = (task.job.encodeTask as NonNullable<Job['encodeTask']>)(
          task,
          this.contextFor(task.handles),
        );
      } catch (error) {
        this.#settleFailed(task, error);
        return;
      }
    }
    if (!w.known.has(task.fnId)) {
      w.known.add(task.fnId);
      const spec = this.#functions.specOf(task.fnId);
      w.outbox.push(...writeMessage({ type: Type.Function, fnId: task.fnId, spec }));
    }
    if (task.handles.length > 0) this.#sendHandles(w, task);
    const frame = writeMessage({
      type: Type.Task,
      taskId: task.id,
      fnId: task.fnId,
      start: task.start,
      stopOnError: task.stopOnError,
      handles: task.handles.length,
      body: task.body,
    });
    w.outbox.push(...frame);
    task.state = 'sent';
    task.worker = w;
    w.inflight.push(task);
    w.assigned++;
    if (w.inflight.length === 1) this.#startClock(task);
    const max = this.#options.maxtasksperchild;
    if (max !== null && w.assigned >= max) this.#retire(w);
  }

  /**
   * OS handles among a task's arguments travel on the worker's control channel, each tagged with
   * the task id and its index; the worker runs the task once all of them are there. A process
   * worker gets sockets through Node's IPC channel (the data socket cannot carry them); a thread
   * worker gets a duplicate of each descriptor (it shares this process's descriptor table), which
   * it owns: the caller's own stays usable here, as a Python Connection passed to a task stays
   * open in the parent.
   */
  #sendHandles(w: WorkerRecord, task: Task): void {
    const channel = controlChannelOf(w.process);
    if (this.startMethod === 'thread') {
      task.handles.forEach((handle, index) => {
        const fd = dupFd(descriptorOf(handle));
        channel.send(this.#handleTopic, { taskId: task.id, index, fd });
      });
      return;
    }
    // `keepOpen`: the control channel's own send() would close the socket it passes.
    const child = (channel as unknown as { child?: ChildProcess }).child;
    task.handles.forEach((handle, index) => {
      if (handle.kind !== 'socket' || !child) return;
      child.send(
        { type: 'ext', topic: this.#handleTopic, data: { taskId: task.id, index } },
        handle.socket,
        { keepOpen: true },
        noop,
      );
    });
  }

  #startClock(task: Task): void {
    const timeout = checkTimeout(task.job.timeout);
    if (timeout === Infinity || task.state !== 'sent') return;
    task.timer = setLongTimeout(() => this.#onTimeout(task), timeout);
  }

  #onTimeout(task: Task): void {
    if (task.state !== 'sent') return;
    const w = task.worker as WorkerRecord;
    this.#settleFailed(
      task,
      new TimeoutError(
        `a task of pool.${task.job.method}() ran past its timeout of ${task.job.timeout} ms; ` +
          `its worker ${w.name} (pid ${w.pid}) was killed and will be replaced`,
      ),
    );
    this.#kill(w);
  }

  // -------------------------------------------------------------------------------------------
  // Settling tasks

  #settleFailed(task: Task, error: unknown): void {
    if (task.state === 'done') return;
    task.state = 'done';
    task.timer?.clear();
    task.body = null;
    this.#release();
    task.job.fail(task, error);
  }

  #settleDone(task: Task, outcome: TaskOutcome): void {
    if (task.state === 'done') return;
    task.state = 'done';
    task.timer?.clear();
    task.body = null;
    this.#release();
    task.job.complete(task, outcome);
  }

  #onResult(w: WorkerRecord, message: Extract<WireMessage, { type: Type.Result }>): void {
    const task = w.inflight.shift();
    if (!task || task.id !== message.taskId) {
      if (task) w.inflight.unshift(task);
      this.#kill(w);
      return;
    }
    task.timer?.clear();
    const run = this.#runMicros.get(task.fnId);
    this.#runMicros.set(
      task.fnId,
      run === undefined ? message.runMicros : 0.7 * run + 0.3 * message.runMicros,
    );
    if (message.retire) this.#retire(w);
    const next = w.inflight.peek();
    if (next) this.#startClock(next);
    if (task.state === 'sent') this.#deliver(task, message.body);
    if (w.inflight.length === 0) this.#onIdle(w);
  }

  #deliver(task: Task, body: Extract<WireMessage, { type: Type.Result }>['body']): void {
    if (body.kind === 'f64') {
      this.#settleDone(task, { values: body.values, errors: [] });
      return;
    }
    const single = task.single;
    const finish = (decoded: unknown): void => {
      if (body.kind === 'values') {
        this.#settleDone(task, { values: single ? [decoded] : (decoded as unknown[]), errors: [] });
      } else {
        const [values, errors] = decoded as [unknown[], [number, unknown][]];
        this.#settleDone(task, { values, errors });
      }
    };
    let decoded: unknown;
    try {
      decoded = decode(body.bytes);
    } catch (error) {
      if (error instanceof TypeError && /decodeAsync/.test(error.message)) {
        // A result holds an instance of a class from an ES module not loaded here yet.
        decodeAsync(body.bytes).then(finish, (e: unknown) => this.#settleFailed(task, e));
        return;
      }
      this.#settleFailed(task, error);
      return;
    }
    finish(decoded);
  }

  // -------------------------------------------------------------------------------------------
  // Workers

  #startWorker(): boolean {
    if (this.#state !== 'running' && this.#state !== 'closing') return false;
    const id = ++this.#nextWorkerId;
    const name = `${this.#options.namePrefix}-${id}`;
    let p: Process;
    let ours: number;
    try {
      const [mine, theirs] = socketpair();
      ours = mine;
      const config: WorkerConfig = {
        channel: new ChannelEnd(theirs),
        workerId: id,
        initializer: this.#options.initializer,
        initargs: this.#options.initargs,
        maxMemory: this.#options.maxMemoryPerChild,
        destination: this.startMethod === 'thread' ? 'thread' : 'process',
        handleTopic: this.#handleTopic,
      };
      try {
        p = new this.#options.context.Process({
          target: workerTarget,
          args: [config],
          name,
          daemon: true,
        });
        p.start();
      } catch (error) {
        closeFd(mine);
        throw error;
      } finally {
        // The worker has its own copy now (inherited by the child, duplicated for a thread).
        closeFd(theirs);
      }
    } catch (error) {
      this.#break(
        new ProcessError(
          `could not start pool worker ${name}: ${(error as Error).message}`,
          'ERR_MP_POOL_BROKEN',
          { cause: error },
        ),
      );
      return false;
    }
    const w = new WorkerRecord(id, name, p);
    this.#workers.set(id, w);
    this.#active++;
    w.socket = openChannel(ours, {
      frames: (frames) => this.#onFrames(w, frames),
      broken: () => this.#kill(w),
    });
    // A pool never holds the program open by itself (see `#hold`).
    w.socket.unref();
    w.socket.on('close', () => this.#onSocketClosed(w));
    void p.sentinel.then((code) => this.#onExit(w, code));
    return true;
  }

  /** The frames of one read from a worker: its hello, then results. */
  #onFrames(w: WorkerRecord, frames: Buffer[]): void {
    for (const frame of frames) {
      let message: WireMessage;
      try {
        message = readMessage(frame);
      } catch {
        this.#kill(w);
        return;
      }
      if (message.type === Type.Result) this.#onResult(w, message);
      else if (message.type === Type.Hello && message.workerId === w.id) this.#onHello(w, message);
      else {
        this.#kill(w);
        return;
      }
    }
    this.#schedule(w);
  }

  /** A worker said hello: it is ready, or its initializer failed. */
  #onHello(w: WorkerRecord, hello: Extract<WireMessage, { type: Type.Hello }>): void {
    if (w.state !== 'starting') return;
    w.state = 'ready';
    if (hello.initError) {
      this.#dismiss(w);
      let cause: unknown;
      try {
        cause = decode(hello.initError);
      } catch (error) {
        cause = error;
      }
      const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      this.#break(
        new ProcessError(
          `the pool's initializer failed in ${w.name}: ${text}`,
          'ERR_MP_POOL_INITIALIZER',
          { cause },
        ),
      );
      return;
    }
    this.#startFailures = 0;
    if (this.#state === 'terminated' || this.#state === 'broken') {
      this.#stopWorker(w);
      return;
    }
    this.#onIdle(w);
  }

  #onSocketClosed(w: WorkerRecord): void {
    w.socketClosed = true;
    if (w.exitcode !== null) this.#gone(w);
    else if (w.state !== 'exiting' && w.state !== 'gone') {
      // The worker closed its end without being told to: it is on its way out (its exit event
      // may come a little after), or it is broken; make sure it ends either way.
      setTimeout(() => {
        if (w.exitcode === null) this.#kill(w);
      }, kExitGraceMs).unref();
    }
  }

  #onIdle(w: WorkerRecord): void {
    if (w.state === 'retiring') {
      this.#dismiss(w);
    } else if (w.state === 'ready') {
      if (this.#state === 'closing' && this.#drained()) this.#dismiss(w);
      else if (!w.inIdle) {
        w.inIdle = true;
        this.#idle.push(w);
      }
    }
  }

  /** No more tasks for this worker (recycled); a fresh one takes its place when work needs it. */
  #retire(w: WorkerRecord): void {
    if (w.state !== 'ready') return;
    w.state = 'retiring';
    this.#active--;
    if (w.inflight.length === 0) this.#dismiss(w);
  }

  /** Lets an idle worker go: closing our end of its socket tells it to finish and exit. */
  #dismiss(w: WorkerRecord): void {
    if (w.state === 'ready') this.#active--;
    w.state = 'exiting';
    w.socket?.end();
  }

  /** Kills a worker at once (timeouts, aborts, protocol errors); its exit settles the rest. */
  #kill(w: WorkerRecord): void {
    if (w.state === 'gone' || w.state === 'killed') return;
    if (w.state === 'ready' || w.state === 'starting') this.#active--;
    w.state = 'killed';
    try {
      w.process.kill();
    } catch {
      // Already closed.
    }
  }

  /** SIGTERM, then SIGKILL after a grace period (terminate()). */
  #stopWorker(w: WorkerRecord): void {
    if (w.state === 'gone') return;
    if (w.state !== 'killed') {
      if (w.state === 'ready' || w.state === 'starting') this.#active--;
      w.state = 'killed';
      try {
        w.process.terminate();
      } catch {
        // Already closed.
      }
    }
    setTimeout(() => {
      if (w.state !== 'gone')
        try {
          w.process.kill();
        } catch {
          // Already closed.
        }
    }, kTerminateGraceMs).unref();
  }

  #onExit(w: WorkerRecord, code: number): void {
    w.exitcode = code;
    // Results written just before the exit may still be in the socket: read them first.
    if (w.socket && !w.socketClosed) setTimeout(() => this.#gone(w), kExitGraceMs).unref();
    else this.#gone(w);
  }

  #gone(w: WorkerRecord): void {
    if (w.state === 'gone') return;
    const wasStarting = w.state === 'starting';
    if (w.state === 'ready' || w.state === 'starting') this.#active--;
    w.state = 'gone';
    this.#workers.delete(w.id);
    w.socket?.destroy();
    const code = w.exitcode ?? -1;
    const tasks = w.inflight.drain();
    const first = tasks[0];
    if (first && first.state === 'sent') {
      this.#settleFailed(
        first,
        new WorkerLostError(
          `worker ${w.name} (pid ${w.pid}) ${describeExit(code)} while running a task of pool.${first.job.method}(); ` +
            `the pool replaced it`,
          code,
        ),
      );
    }
    // The others had not started: they go back to the front of the queue, in order.
    for (let i = tasks.length - 1; i >= 1; i--) {
      const task = tasks[i] as Task;
      if (task.state !== 'sent') continue;
      task.timer?.clear();
      task.state = 'queued';
      task.worker = null;
      this.#queue.unshift(task);
    }
    try {
      w.process.close();
    } catch {
      // Still running (cannot be, it exited); nothing to release.
    }
    if (wasStarting && (this.#state === 'running' || this.#state === 'closing')) {
      if (++this.#startFailures >= kMaxStartFailures) {
        this.#break(
          new ProcessError(
            `pool workers keep dying before they are ready: ${w.name} ${describeExit(code)}, ` +
              `${this.#startFailures} in a row; see their output on stderr`,
            'ERR_MP_POOL_BROKEN',
          ),
        );
      }
    }
    this.#schedule();
    this.#maybeFinished();
  }

  #maybeFinished(): void {
    if (this.#state === 'running' || this.#workers.size > 0) return;
    if (this.#state === 'closing' && !this.#drained()) return;
    if (this.#finishedAlready) return;
    this.#finishedAlready = true;
    if (this.#state === 'closing') this.#state = 'closed';
    clearInterval(this.#keepAlive);
    this.#finishedResolve();
  }

  /** For tests and diagnostics: the live workers. */
  workerInfo(): { name: string; pid: number | undefined; state: string; inflight: number }[] {
    return [...this.#workers.values()].map((w) => ({
      name: w.name,
      pid: w.pid,
      state: w.state,
      inflight: w.inflight.length,
    }));
  }
}
