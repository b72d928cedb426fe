/**
 * The pool's task queue: the tasks waiting for a worker (an O(1) deque), the calls that may still
 * add some, and the life of each task until it settles: its timeout, its settling, and the hold
 * it keeps on the event loop.
 *
 * Every task settles exactly once (`settleDone` or `settleFailed`; later calls are ignored). An
 * idle pool does not hold a program open (its workers are daemons); a task, from its submission
 * until it settles, does, and so does a pending `join()` (`hold`/`release`).
 */
import { checkTimeout, setLongTimeout } from '@multiproc/native';
import { TimeoutError } from '@multiproc/serialize';
import { Deque } from './deque.js';
import type { Job, Task, TaskOutcome } from './task.js';
import type { WorkerRecord } from './worker-record.js';

const noop = (): void => undefined;

/** The engine's queue of pending tasks and its bookkeeping of unsettled ones. */
export class TaskQueue {
  readonly #pending = new Deque<Task>();
  /** Calls that may still submit tasks (imap iterators still reading their iterable). */
  readonly #openJobs = new Set<Job>();
  #holds = 0;
  readonly #keepAlive: NodeJS.Timeout;

  /** @param onTimeout - kills the worker whose running task ran past its timeout. */
  constructor(readonly onTimeout: (w: WorkerRecord) => void) {
    this.#keepAlive = setInterval(noop, 2 ** 30);
    this.#keepAlive.unref();
  }

  get length(): number {
    return this.#pending.length;
  }

  peek(): Task | undefined {
    return this.#pending.peek();
  }

  shift(): Task | undefined {
    return this.#pending.shift();
  }

  /** Queues new tasks; each holds the event loop until it settles. */
  push(tasks: Task[]): void {
    for (const task of tasks) {
      this.#pending.push(task);
      this.hold();
    }
  }

  /** Puts the tasks a lost worker held but had not started back at the front, in order. */
  requeue(tasks: Task[]): void {
    for (let i = tasks.length - 1; i >= 0; i--) {
      const task = tasks[i] as Task;
      if (task.state !== 'sent') continue;
      task.timer?.clear();
      task.state = 'queued';
      task.worker = null;
      this.#pending.unshift(task);
    }
  }

  /** Removes and returns the queued tasks of `job` (of every job, without one), in order. */
  take(job?: Job): Task[] {
    const all = this.#pending.drain();
    if (job === undefined) return all;
    const taken: Task[] = [];
    for (const task of all) {
      if (task.job === job) taken.push(task);
      else this.#pending.push(task);
    }
    return taken;
  }

  /** A call that will submit more tasks later: a closing pool waits for it. */
  openJob(job: Job): void {
    this.#openJobs.add(job);
  }

  /** The call will submit no more tasks; returns whether it was open. */
  closeJob(job: Job): boolean {
    return this.#openJobs.delete(job);
  }

  /** Whether a closing pool has nothing left to wait for but its running tasks. */
  get drained(): boolean {
    return this.#pending.length === 0 && this.#openJobs.size === 0;
  }

  hold(): void {
    if (this.#holds++ === 0) this.#keepAlive.ref();
  }

  release(): void {
    if (--this.#holds === 0) this.#keepAlive.unref();
  }

  /** The pool is finished: nothing holds the event loop any more. */
  dispose(): void {
    clearInterval(this.#keepAlive);
  }

  settleFailed(task: Task, error: unknown): void {
    if (!this.#settle(task)) return;
    task.job.fail(task, error);
  }

  settleDone(task: Task, outcome: TaskOutcome): void {
    if (!this.#settle(task)) return;
    task.job.complete(task, outcome);
  }

  #settle(task: Task): boolean {
    if (task.state === 'done') return false;
    task.state = 'done';
    task.timer?.clear();
    task.body = null;
    this.release();
    return true;
  }

  /** Starts the timeout of the task `w` runs now. */
  startClock(w: WorkerRecord, task: Task): void {
    const timeout = checkTimeout(task.job.timeout);
    if (timeout === Infinity || task.state !== 'sent') return;
    task.timer = setLongTimeout(() => this.#expire(w, task), timeout);
  }

  #expire(w: WorkerRecord, task: Task): void {
    if (task.state !== 'sent') return;
    this.settleFailed(
      task,
      new TimeoutError(
        `a task of pool.${task.job.method}() ran past its timeout of ${task.job.timeout} ms; ` +
          `its worker ${w.name} (pid ${w.pid}) was killed and will be replaced`,
      ),
    );
    this.onTimeout(w);
  }
}
