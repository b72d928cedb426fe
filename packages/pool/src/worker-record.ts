/**
 * The pool's view of one worker: its process, its socket, the tasks it holds, and where it is in
 * its life.
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Process } from '@multiproc/process';
import { Deque } from './deque.js';
import type { Task } from './task.js';

type WorkerState = 'starting' | 'ready' | 'retiring' | 'exiting' | 'killed' | 'gone';

/** The pool's view of one worker. */
export class WorkerRecord {
  state: WorkerState = 'starting';
  socket: Socket | null = null;
  /** Tasks sent and not yet answered, in order; the first is running. */
  readonly inflight = new Deque<Task>();
  /** Tasks sent over this worker's life (for `maxtasksperchild`). */
  assigned = 0;
  /** Functions this worker has received. */
  readonly known = new Set<number>();
  exitcode: number | null = null;
  socketClosed = false;
  inIdle = false;
  /** Frames waiting for the end of the scheduling pass. */
  outbox: Buffer[] = [];

  constructor(
    readonly id: number,
    readonly name: string,
    readonly process: Process,
  ) {}

  /**
   * Writes the outbox: one buffer as one write (no cork: corking a single write costs a buffered
   * write request), several as one `writev`.
   */
  flush(): void {
    const out = this.outbox;
    if (out.length === 0) return;
    this.outbox = [];
    const socket = this.socket;
    if (!socket) return;
    if (out.length === 1) {
      socket.write(out[0] as Buffer);
      return;
    }
    socket.cork();
    for (const buffer of out) socket.write(buffer);
    socket.uncork();
  }

  get pid(): number | undefined {
    return this.process.startMethod === 'thread' ? process.pid : this.process.pid;
  }
}

function signalName(code: number): string {
  for (const [name, number] of Object.entries(constants.signals)) if (number === -code) return name;
  return `signal ${-code}`;
}

export function describeExit(code: number): string {
  return code < 0
    ? `was killed by ${signalName(code)} (exit code ${code})`
    : `exited with code ${code}`;
}
