/**
 * Tasks and jobs: the unit of work a worker runs, and the call (`apply`, `map`, `imap` …) that
 * owns it and hears how it went.
 */
import type { LongTimer } from '@multiproc/native';
import type { EncodeContext, TransferableHandle } from '@multiproc/serialize';
import type { TaskBody } from './protocol.js';

/** What a finished task produced: a value per item (holes where `errors` has an entry). */
export interface TaskOutcome {
  values: ArrayLike<unknown>;
  errors: readonly (readonly [number, unknown])[];
}

/** One call (`apply`, `map`, `imap` …): how its tasks report back. */
export interface Job {
  /** The method, for messages: `'apply'`, `'map'` … */
  readonly method: string;
  /** Per-task limit in milliseconds. */
  readonly timeout: number | null | undefined;
  /** Makes a task's body just before it is sent, for tasks created without one. */
  encodeTask?(task: Task, context: EncodeContext): TaskBody;
  /** The task ran (each item succeeded or threw). */
  complete(task: Task, outcome: TaskOutcome): void;
  /** The task as a whole failed: its worker died or was killed, or the pool stopped. */
  fail(task: Task, error: unknown): void;
}

type TaskState = 'queued' | 'sent' | 'done';

let nextTaskId = 0;

/** A unit of work for one worker: one `apply`, or one chunk of a map-like call. */
export class Task {
  readonly id = (nextTaskId = (nextTaskId + 1) >>> 0);
  state: TaskState = 'queued';
  /**
   * The worker record holding the task while it is sent, compared by identity only (typing it
   * would make this module and `worker-record.ts` import each other).
   */
  worker: object | null = null;
  timer: LongTimer | undefined = undefined;
  /** Sockets the body's handles refer to, sent beside it. */
  handles: TransferableHandle[] = [];

  constructor(
    readonly job: Job,
    readonly fnId: number,
    /** Index of the task's first item in its call. */
    readonly start: number,
    /** Items in the task (1 for `apply`). */
    readonly count: number,
    /** `null` until the job encodes it (map chunks are encoded as they are sent). */
    public body: TaskBody | null,
    readonly stopOnError: boolean,
  ) {}

  /** An `apply` task: one call, its result is one value. */
  get single(): boolean {
    return this.body?.kind === 'args';
  }
}
