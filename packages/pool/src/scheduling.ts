/**
 * Which worker takes the next task. An idle worker first, the most recently idle one, whose CPU
 * caches are warm. Otherwise (pipelining) the worker that just answered, if tasks of the
 * function are short: pipelining hides the round trip behind the work, but commits the task to
 * that worker, so only a worker that has just shown it is free gets extra tasks, only as many as
 * are worth it for the function's recent run time, and never a task of a function not yet timed
 * or slower than 5 ms (it waits in the queue for whichever worker frees up first).
 */
import type { Task } from './task.js';
import type { WorkerRecord } from './worker-record.js';

/** The engine's picker of workers. */
export class WorkerPicker {
  /** Idle workers; the last one became idle most recently. Stale entries are skipped. */
  readonly #idle: WorkerRecord[] = [];
  /** Average run time of each function's recent tasks, in µs. */
  readonly #runMicros = new Map<number, number>();

  /** Whether some worker may be idle. */
  get hasIdle(): boolean {
    return this.#idle.length > 0;
  }

  /** Records that `w` has nothing to run. */
  markIdle(w: WorkerRecord): void {
    if (w.inIdle) return;
    w.inIdle = true;
    this.#idle.push(w);
  }

  /** The worker for `task`, or `undefined` when it must wait in the queue. */
  pick(task: Task, refill: WorkerRecord | undefined): WorkerRecord | undefined {
    while (this.#idle.length > 0) {
      const w = this.#idle.pop() as WorkerRecord;
      w.inIdle = false;
      if (w.state === 'ready' && w.inflight.length === 0) return w;
    }
    if (!refill || refill.state !== 'ready') return undefined;
    return refill.inflight.length < this.#depthFor(task.fnId) ? refill : undefined;
  }

  /** Folds a task's run time into its function's average. */
  noteRun(fnId: number, micros: number): void {
    const run = this.#runMicros.get(fnId);
    this.#runMicros.set(fnId, run === undefined ? micros : 0.7 * run + 0.3 * micros);
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
}
