/**
 * Framing a task for the worker chosen to run it: its body (a map chunk is encoded only as it
 * goes out), its function's description the first time that worker meets the function, and its
 * OS handles (`handles.ts`), ahead of the task frame itself.
 */
import type { StartMethod } from '@multiproc/process';
import type { EncodeContext, TransferableHandle } from '@multiproc/serialize';
import { encodeArgs } from './chunking.js';
import { FunctionTable } from './functions.js';
import { HandleCourier, lostHandleError } from './handles.js';
import { Type, writeMessage } from './protocol.js';
import type { Job, Task } from './task.js';
import type { TaskQueue } from './task-queue.js';
import type { WorkerRecord } from './worker-record.js';

/** One pool's encoding of tasks into frames. */
export class TaskFramer {
  readonly #handles: HandleCourier;
  readonly #functions = new FunctionTable();

  constructor(
    startMethod: StartMethod,
    readonly queue: TaskQueue,
  ) {
    this.#handles = new HandleCourier(startMethod);
  }

  /** The control-channel topic on which this pool's handles travel. */
  get handleTopic(): string {
    return this.#handles.topic;
  }

  /**
   * The `EncodeContext` for a task's arguments: OS handles (sockets; descriptors, for thread
   * pools) are collected to travel beside it.
   */
  contextFor(handles: TransferableHandle[]): EncodeContext {
    return this.#handles.contextFor(handles);
  }

  /** Encodes an `apply` call's arguments, refusing what cannot be sent (`args[1].handler …`). */
  encodeArgs(args: unknown[], handles: TransferableHandle[]): Buffer {
    return encodeArgs(args, 'args', () => this.contextFor(handles));
  }

  /** The id workers know a function by; describes it (and refuses it) on first use. */
  functionId(fn: unknown, path: string): number {
    return this.#functions.idOf(fn, path);
  }

  /**
   * Frames `task` into the worker's outbox (written at the end of the scheduling pass). Returns
   * false when the task failed before it could be sent (it is settled then).
   */
  frame(w: WorkerRecord, task: Task): boolean {
    if (task.body === null) {
      try {
        task.body = (task.job.encodeTask as NonNullable<Job['encodeTask']>)(
          task,
          this.contextFor(task.handles),
        );
      } catch (error) {
        this.queue.settleFailed(task, error);
        return false;
      }
    }
    if (!w.known.has(task.fnId)) {
      w.known.add(task.fnId);
      const spec = this.#functions.specOf(task.fnId);
      w.outbox.push(...writeMessage({ type: Type.Function, fnId: task.fnId, spec }));
    }
    if (task.handles.length > 0 && !this.#sendHandles(w, task)) return false;
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
    return true;
  }

  /** Sends the handles of `task` (see `handles.ts`); returns whether the task goes on. */
  #sendHandles(w: WorkerRecord, task: Task): boolean {
    const error = this.#handles.send(w, task, (index, lost) => {
      // A handle of a task already sent did not go out: the task fails, and the worker is told
      // to drop it, so the tasks queued behind it there go on.
      if (task.state !== 'sent' || task.worker !== w) return;
      this.queue.settleFailed(task, lostHandleError(w, lost));
      this.#handles.dropTask(w, task, index);
    });
    if (error) this.queue.settleFailed(task, error);
    return error === undefined;
  }
}
