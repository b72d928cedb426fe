/**
 * Handle passing: OS handles among a task's arguments (sockets; descriptors, for thread pools)
 * travel on the worker's control channel, each tagged with the task id and its index, beside the
 * task on the data channel; the worker runs the task once all of them are there.
 *
 * A process worker gets sockets through Node's IPC channel (the data socket cannot carry them); a
 * thread worker gets a duplicate of each descriptor (it shares this process's descriptor table),
 * which it owns: the caller's own stays usable here, as a Python Connection passed to a task stays
 * open in the parent.
 */
import { dupFd } from '@multiproc/native';
import type { StartMethod } from '@multiproc/process';
import { controlChannelOf, descriptorOf } from '@multiproc/process/internal';
import { ProcessError, type EncodeContext, type TransferableHandle } from '@multiproc/serialize';
import type { Task } from './task.js';
import type { WorkerRecord } from './worker-record.js';

/** Pools made in this process: each gets its own control-channel topic for handles. */
let poolCount = 0;

/** The handle passing of one pool. */
export class HandleCourier {
  /** The control-channel topic on which this pool's handles travel. */
  readonly topic = `multiproc.pool.handle.${++poolCount}`;

  constructor(readonly startMethod: StartMethod) {}

  /**
   * The `EncodeContext` for a task's arguments: OS handles are collected to travel beside it.
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

  /**
   * Sends the handles of `task` to `w`. Every handle is checked before any is sent: a task with
   * a socket that has no descriptor (closed after the call, or never connected) gets its error
   * back here, and its worker never waits for it. A handle whose send fails later is reported to
   * `lost` (the worker is then told to drop the task, see `dropTask`).
   */
  send(
    w: WorkerRecord,
    task: Task,
    lost: (index: number, error: Error) => void,
  ): Error | undefined {
    const fds: number[] = [];
    for (const handle of task.handles) {
      const fd = handle.kind === 'fd' ? handle.fd : descriptorOf(handle.socket);
      if (fd === null) {
        return new TypeError(
          `a socket passed to pool.${task.job.method}() has no file descriptor (it was closed, ` +
            'or never connected), so it cannot reach a worker',
        );
      }
      fds.push(fd);
    }
    const channel = controlChannelOf(w.process);
    try {
      if (this.startMethod === 'thread') {
        fds.forEach((fd, index) =>
          channel.send(this.topic, { taskId: task.id, index, fd: dupFd(fd) }),
        );
        return undefined;
      }
      task.handles.forEach((handle, index) => {
        if (handle.kind !== 'socket') return; // refused by `contextFor` already
        channel.send(this.topic, { taskId: task.id, index }, handle.socket, {
          // The channel's own send would close the caller's socket once passed.
          keepOpen: true,
          onError: (error) => lost(index, error),
        });
      });
    } catch (error) {
      // The worker's channel is gone: it is on its way out, and its exit settles the rest.
      return lostHandleError(w, error);
    }
    return undefined;
  }

  /** Tells `w` that handle `index` of `task` will not come: the worker fails the task and goes on. */
  dropTask(w: WorkerRecord, task: Task, index: number): void {
    try {
      controlChannelOf(w.process).send(this.topic, { taskId: task.id, index, lost: true });
    } catch {
      // The channel is gone with the worker; its exit settles what it held.
    }
  }
}

/** The error of a task whose handle could not be passed to `w`. */
export function lostHandleError(w: WorkerRecord, error: unknown): ProcessError {
  return new ProcessError(
    `could not pass a socket to pool worker ${w.name}: ${(error as Error).message}`,
    'ERR_MP_POOL_HANDLE',
    { cause: error },
  );
}
