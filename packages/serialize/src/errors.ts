/**
 * The error classes of multiproc. They live here, in the lowest package, so every process can
 * rebuild any of them from the wire whatever else it has loaded; each package re-exports its own.
 *
 * Every class has a stable `code` (`ERR_MP_…`) and the CPython name as `name`.
 */

import {
  MultiprocError,
  brandErrorClass as brand,
  describeValue,
  invalidArgument,
  toError,
  type MultiprocErrorOptions,
} from '@multiproc/native';

export { MultiprocError, describeValue, invalidArgument, toError, type MultiprocErrorOptions };

/** A process-level failure: the analog of Python's `multiprocessing.ProcessError`. */
export class ProcessError extends MultiprocError {
  constructor(message: string, code = 'ERR_MP_PROCESS', options?: MultiprocErrorOptions) {
    super(message, code, options);
  }
}

/** A wait ran past its timeout (a subclass of `ProcessError`, as in Python). */
export class TimeoutError extends ProcessError {
  constructor(message = 'timed out', options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_TIMEOUT', options);
  }
}

/**
 * The buffer given to `recvBytesInto` is too small; `data` holds the whole message.
 */
export class BufferTooShort extends ProcessError {
  /** The complete message that did not fit. */
  readonly data: Buffer;

  constructor(data: Buffer, message = `buffer too short: the message is ${data.length} bytes`) {
    super(message, 'ERR_MP_BUFFER_TOO_SHORT');
    this.data = data;
  }
}

/** The peer did not prove knowledge of the authentication key (or we could not). */
export class AuthenticationError extends ProcessError {
  constructor(message = 'authentication failed', options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_AUTHENTICATION', options);
  }
}

/** The other end of a connection closed: nothing more will arrive. */
export class EOFError extends ProcessError {
  constructor(
    message = 'end of file: the other end of the connection is closed',
    options?: MultiprocErrorOptions,
  ) {
    super(message, 'ERR_MP_EOF', options);
  }
}

/** A non-blocking or timed `get` found the queue empty. */
export class Empty extends MultiprocError {
  constructor(message = 'queue is empty', options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_EMPTY', options);
  }
}

/** A non-blocking or timed `put` found the queue full. */
export class Full extends MultiprocError {
  constructor(message = 'queue is full', options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_FULL', options);
  }
}

/**
 * The error of every method of a closed object, in every package: `Lock is closed`, code
 * `ERR_MP_CLOSED`.
 *
 * @example
 * ```ts
 * if (this.#closed) throw closedError('Queue');
 * ```
 */
export function closedError(what: string): ProcessError {
  return new ProcessError(`${what} is closed`, 'ERR_MP_CLOSED');
}

/** A `Barrier` was broken (aborted, reset, or a wait timed out) while parties waited. */
export class BrokenBarrierError extends MultiprocError {
  constructor(message = 'the barrier is broken', options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_BROKEN_BARRIER', options);
  }
}

/** The worker running a task died (killed, crashed, or exited) before the task finished. */
export class WorkerLostError extends ProcessError {
  /** The worker's exit code: N for `exit(N)`, -N for signal N. */
  readonly exitcode: number | null;

  constructor(message: string, exitcode: number | null = null, options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_WORKER_LOST', options);
    this.exitcode = exitcode;
  }
}

/**
 * Work was cancelled through an `AbortSignal`. `name` is `'AbortError'` and `code` is
 * `'ABORT_ERR'`, as for Node's own aborted operations.
 */
export class AbortError extends MultiprocError {
  constructor(message = 'the operation was aborted', options?: MultiprocErrorOptions) {
    super(message, 'ABORT_ERR', options);
  }
}

/**
 * An error of a class that the receiving process cannot rebuild (a user-defined class, say).
 * `name` is the original class name; `message`, `code`, own properties and `cause` are kept, and
 * `stack` ends with the remote stack after a `--- remote stack ---` line.
 */
export class RemoteError extends MultiprocError {
  constructor(name: string, message: string, code = 'ERR_MP_REMOTE') {
    super(message, code);
    Object.defineProperty(this, 'name', {
      value: name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

/** The multiproc error classes by name, for rebuilding them on the receiving side. */
export const errorClasses: ReadonlyMap<string, new (...args: never[]) => MultiprocError> = new Map(
  Object.entries({
    MultiprocError,
    ProcessError,
    TimeoutError,
    BufferTooShort,
    AuthenticationError,
    EOFError,
    Empty,
    Full,
    BrokenBarrierError,
    WorkerLostError,
    AbortError,
    RemoteError,
  }),
);
// Each class's `name` is its CPython name, kept by a minifier too (MultiprocError brands itself).
for (const [name, Class] of errorClasses) if (Class !== MultiprocError) brand(Class, name);
