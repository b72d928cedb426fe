/**
 * The pool engine: the workers, their lives, and handing them the tasks of the queue
 * (`task-queue.ts`, which also settles tasks and times them out; `task-framer.ts` frames them).
 *
 * Transport (`channel.ts`, `protocol.ts`): each worker has a socket pair with the pool and
 * exchanges length-prefixed binary frames over it; the frames written in one scheduling pass go
 * out in one write (one `writev` when there are several).
 *
 * Scheduling. Tasks (one per `apply`, one per chunk of a map-like call) wait in the queue.
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
import { keepWarm } from '@multiproc/native';
import type { Process, StartMethod } from '@multiproc/process';
import { exitedOf } from '@multiproc/process/internal';
import { ProcessError, WorkerLostError, decode } from '@multiproc/serialize';
import { openChannel } from './channel.js';
import type { ResolvedPoolOptions } from './options.js';
import { Type, readMessage, type WireMessage } from './protocol.js';
import { decodeResult } from './results.js';
import { WorkerPicker } from './scheduling.js';
import type { Job, Task } from './task.js';
import { TaskFramer } from './task-framer.js';
import { TaskQueue } from './task-queue.js';
import { kExitGraceMs, killProcess, launchWorker, stopProcess } from './worker-life.js';
import { WorkerRecord, describeExit } from './worker-record.js';

/** Workers dying before they are ready this many times in a row break the pool. */
const kMaxStartFailures = 3;

/** What the engine needs from the pool's options, checked and resolved. */
export type EngineOptions = ResolvedPoolOptions;

/** `closing` becomes `closed` once every worker has exited. */
export type EngineState = 'running' | 'closing' | 'closed' | 'terminated' | 'broken';

/** The private engine behind a `Pool`. */
export class Engine {
  readonly processes: number;
  readonly startMethod: StartMethod;
  readonly #options: EngineOptions;
  #state: EngineState = 'running';
  #stopError: Error | null = null;
  readonly #queue = new TaskQueue((w) => this.#kill(w));
  readonly #workers = new Map<number, WorkerRecord>();
  readonly #picker = new WorkerPicker();
  /** Workers starting or ready: those that count against `processes`. */
  #active = 0;
  #nextWorkerId = 0;
  #startFailures = 0;
  #scheduled = false;
  /** Encodes tasks into frames; the pool encodes its calls' arguments with it. */
  readonly framer: TaskFramer;
  #finishedResolve!: () => void;
  readonly #finished = new Promise<void>((resolve) => (this.#finishedResolve = resolve));
  #finishedAlready = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.processes = options.processes;
    this.startMethod = options.context.startMethod;
    this.framer = new TaskFramer(this.startMethod, this.#queue);
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

  // -------------------------------------------------------------------------------------------
  // Submitting and cancelling

  /** Queues tasks (the pool checked `assertRunning()`). */
  submit(tasks: Task[]): void {
    const idleNow = this.#queue.length === 0 && this.#picker.hasIdle && !this.#scheduled;
    this.#queue.push(tasks);
    // The `apply` round trip: one task, already encoded, and a worker waiting for it goes out
    // now (sending cannot fail, so nothing settles before the caller has its promise). Anything
    // else waits for the end of the current synchronous stretch, to go out in one write.
    if (idleNow && tasks.length === 1 && tasks[0]?.body !== null) this.#schedule();
    else this.#scheduleSoon();
  }

  /** A call that will submit more tasks later: a closing pool waits for it. */
  openJob(job: Job): void {
    this.#queue.openJob(job);
  }

  /** The call will submit no more tasks. */
  closeJob(job: Job): void {
    if (!this.#queue.closeJob(job) || this.#state !== 'closing') return;
    this.#schedule();
    this.#maybeFinished();
  }

  /**
   * Settles every unfinished task of a job with `error` (the job ignores it if it already
   * settled). Queued tasks are dropped; with `kill`, workers running one are killed, which
   * stops the work itself (timeouts, aborts).
   */
  cancel(job: Job, error: unknown, kill: boolean): void {
    for (const task of this.#queue.take(job)) this.#queue.settleFailed(task, error);
    for (const w of [...this.#workers.values()]) {
      let running = true;
      for (const task of w.inflight) {
        if (task.job === job && task.state === 'sent') {
          this.#queue.settleFailed(task, error);
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
    this.#queue.hold();
    try {
      await this.#finished;
    } finally {
      this.#queue.release();
    }
  }

  #stop(state: 'terminated' | 'broken', error: Error): void {
    const wasStopped =
      this.#state === 'terminated' || this.#state === 'broken' || this.#state === 'closed';
    this.#state = state;
    this.#stopError = error;
    if (!wasStopped) {
      for (const task of this.#queue.take()) this.#queue.settleFailed(task, error);
      for (const w of [...this.#workers.values()]) {
        for (const task of w.inflight) this.#queue.settleFailed(task, error);
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
      const w = this.#picker.pick(this.#queue.peek() as Task, refill);
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
    } else if (this.#state === 'closing' && this.#queue.drained) {
      for (const w of this.#workers.values())
        if (w.state === 'ready' && w.inflight.length === 0) this.#dismiss(w);
    }
  }

  /** Hands `task` to `w`: its frames go out at the end of the scheduling pass. */
  #send(w: WorkerRecord, task: Task): void {
    if (!this.framer.frame(w, task)) {
      // A worker picked for a task that failed before it was sent stays available.
      if (w.inflight.length === 0) this.#onIdle(w);
      return;
    }
    task.state = 'sent';
    task.worker = w;
    w.inflight.push(task);
    w.assigned++;
    if (w.inflight.length === 1) this.#queue.startClock(w, task);
    const max = this.#options.maxtasksperchild;
    if (max !== null && w.assigned >= max) this.#retire(w);
  }

  #onResult(w: WorkerRecord, message: Extract<WireMessage, { type: Type.Result }>): void {
    const task = w.inflight.shift();
    if (!task || task.id !== message.taskId) {
      if (task) w.inflight.unshift(task);
      this.#kill(w);
      return;
    }
    task.timer?.clear();
    this.#picker.noteRun(task.fnId, message.runMicros);
    if (message.retire) this.#retire(w);
    const next = w.inflight.peek();
    if (next) this.#queue.startClock(w, next);
    if (task.state === 'sent') this.#deliver(task, message.body);
    if (w.inflight.length === 0) this.#onIdle(w);
  }

  #deliver(task: Task, body: Extract<WireMessage, { type: Type.Result }>['body']): void {
    decodeResult(
      body,
      task.single,
      (outcome) => this.#queue.settleDone(task, outcome),
      (error) => this.#queue.settleFailed(task, error),
    );
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
      ({ process: p, fd: ours } = launchWorker(this.#options, id, name, this.framer.handleTopic));
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
    // A pool never holds the program open by itself (see `task-queue.ts`).
    w.socket.unref();
    w.socket.on('close', () => this.#onSocketClosed(w));
    void exitedOf(p).then((code) => this.#onExit(w, code));
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
      if (this.#state === 'closing' && this.#queue.drained) this.#dismiss(w);
      else this.#picker.markIdle(w);
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
    killProcess(w.process);
  }

  /** SIGTERM, then SIGKILL after a grace period (terminate()). */
  #stopWorker(w: WorkerRecord): void {
    if (w.state === 'gone') return;
    const terminate = w.state !== 'killed';
    if (terminate) {
      if (w.state === 'ready' || w.state === 'starting') this.#active--;
      w.state = 'killed';
    }
    stopProcess(w.process, () => w.state === 'gone', terminate);
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
      this.#queue.settleFailed(
        first,
        new WorkerLostError(
          `worker ${w.name} (pid ${w.pid}) ${describeExit(code)} while running a task of pool.${first.job.method}(); ` +
            `the pool replaced it`,
          code,
        ),
      );
    }
    // The others had not started.
    this.#queue.requeue(tasks.slice(1));
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
    if (this.#state === 'closing' && !this.#queue.drained) return;
    if (this.#finishedAlready) return;
    this.#finishedAlready = true;
    if (this.#state === 'closing') this.#state = 'closed';
    this.#queue.dispose();
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
