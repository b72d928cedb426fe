/**
 * `Connection`: a message-oriented, connected socket, like Python's
 * `multiprocessing.connection.Connection`. This is the public shell: it checks arguments and
 * documents the API; the state machine lives in `engine.ts`.
 */
import { inspect } from 'node:util';
import { checkTimeout, setCloexec } from '@multiproc/native';
import {
  invalidArgument,
  registerShareable,
  type DecodeContext,
  type EncodeContext,
} from '@multiproc/serialize';
import { ConnectionEngine, type ConnectionOptions, type Source } from './engine.js';

/**
 * Bytes-like values `sendBytes` and `recvBytesInto` accept: a Buffer, any typed array, a
 * DataView, or an ArrayBuffer / SharedArrayBuffer. Offsets and sizes count bytes.
 *
 * @example
 * ```ts
 * const ints: BytesLike = new Int32Array([42, 1729]);
 * conn.sendBytes(ints); // 8 bytes
 * ```
 */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

const kConstruct = Symbol('Connection.construct');

/** What the rest of this package may do with a connection; never exported from the package. */
interface ConnectionInternals {
  create(this: void, source: Source, options: ConnectionOptions): Connection;
  engineOf(this: void, conn: Connection): ConnectionEngine;
}

// Assigned by Connection's static block, which alone can reach its private fields.
let internals!: ConnectionInternals;

/** Package-internal access to connections (authentication, `wait()`, passing to children). */
export function connectionInternals(): ConnectionInternals {
  return internals;
}

/**
 * One end of a connection: send and receive whole messages.
 *
 * Made by `Pipe()`, `Client()` and `Listener.accept()`. It can be passed to a child process as
 * an argument of `Process` and keeps working there.
 *
 * @example
 * ```ts
 * import { Pipe } from 'multiproc';
 *
 * const [a, b] = Pipe();
 * a.send([1, 'hello', null]);
 * console.log(await b.recv()); // [ 1, 'hello', null ]
 * b.sendBytes(Buffer.from('thank you'));
 * console.log((await a.recvBytes()).toString()); // thank you
 * a.close();
 * b.close();
 * ```
 */
export class Connection {
  readonly #impl: ConnectionEngine;

  /** Use `Pipe()`, `Client()` or `Listener.accept()`. */
  private constructor(token: typeof kConstruct, source: Source, options: ConnectionOptions) {
    if (token !== kConstruct) {
      throw new TypeError(
        'Connection cannot be constructed directly; use Pipe(), Client() or Listener.accept()',
      );
    }
    this.#impl = new ConnectionEngine(source, options);
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Sends an object: anything multiproc can send (plain data, Map, Set, Date, typed arrays,
   * errors …). Never waits: what the OS does not take at once is written in the background
   * (see `drain()`), and at the latest before this process exits (for up to 5 s in all).
   *
   * Returns `false` once more than 4 MiB wait to be taken by the other end, as a Node stream's
   * `write()` does: a producer that may run ahead of a slow reader then awaits `drain()` before
   * sending more, so its memory stays bounded. `sendSync` blocks instead.
   *
   * @throws TypeError naming the part of `obj` that cannot be sent; EOFError when the other end
   *   is closed; ProcessError when this connection is closed or not writable.
   *
   * @example
   * ```ts
   * for (const task of tasks) if (!conn.send(task)) await conn.drain();
   * ```
   */
  send(obj: unknown): boolean {
    return this.#impl.send(obj);
  }

  /**
   * Sends an object and blocks this thread until the OS has taken all of it, as Python's `send`
   * does: the back-pressure of a slow reader reaches the sender, and nothing is left pending.
   *
   * @throws as `send`.
   *
   * @example
   * ```ts
   * conn.sendSync(result); // returns once the bytes are in the kernel
   * ```
   */
  sendSync(obj: unknown): void {
    this.#impl.send(obj);
    this.#impl.flushSync();
  }

  /**
   * Sends bytes as one message: `size` bytes of `buf` from byte `offset`. The bytes are taken
   * (or copied) before it returns, so `buf` may be reused at once.
   *
   * @param buf - a Buffer, typed array, DataView or ArrayBuffer.
   * @param offset - first byte to send. @default 0
   * @param size - how many bytes. @default the rest of `buf`
   *
   * @example
   * ```ts
   * conn.sendBytes(Buffer.from('hello'));
   * conn.sendBytes(new Int32Array([42, 1729])); // 8 bytes
   * ```
   *
   * @returns `false` once more than 4 MiB are pending: await `drain()` before sending more.
   */
  sendBytes(buf: BytesLike, offset = 0, size?: number): boolean {
    const bytes = toBytes(buf, 'buf');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > bytes.length) {
      throw invalidArgument('offset', `an integer between 0 and ${bytes.length}`, offset);
    }
    const available = bytes.length - offset;
    if (size === undefined) size = available;
    else if (!Number.isSafeInteger(size) || size < 0 || size > available) {
      throw invalidArgument('size', `an integer between 0 and ${available}`, size);
    }
    return this.#impl.sendBytes(bytes.subarray(offset, offset + size));
  }

  /**
   * `sendBytes`, then blocks this thread until the OS has taken all of it (see `sendSync`).
   *
   * @example
   * ```ts
   * conn.sendBytesSync(Buffer.alloc(64 * 1024 * 1024));
   * ```
   */
  sendBytesSync(buf: BytesLike, offset = 0, size?: number): void {
    this.sendBytes(buf, offset, size);
    this.#impl.flushSync();
  }

  /**
   * Resolves once everything sent so far has been taken by the operating system. `send()` never
   * waits; a producer that must not run ahead of a slow reader awaits this now and then.
   * (An addition to Python's API, which blocks in `send` instead.)
   *
   * @example
   * ```ts
   * for (const chunk of chunks) { conn.sendBytes(chunk); await conn.drain(); }
   * ```
   */
  drain(): Promise<void> {
    return this.#impl.drain();
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Receives the next object.
   *
   * @throws EOFError when the other end closed and nothing is left; ProcessError when this
   *   connection is closed or not readable.
   *
   * @example
   * ```ts
   * const msg = await conn.recv<{ task: string }>();
   * ```
   */
  recv<T = unknown>(): Promise<T> {
    return this.#impl.recv() as Promise<T>;
  }

  /**
   * Receives the next object, blocking this thread until it arrives (never another process's
   * event loop). Anything this end still has to send is written out first, so a worker that
   * sends a large result and then waits for the next task cannot deadlock with its parent.
   *
   * It spins for up to `spinMicros` (50 µs; `MULTIPROC_SPIN_US` sets it) before sleeping in the
   * kernel, so a peer that answers quickly is heard without a scheduler wake-up: a small round
   * trip takes ~8 µs instead of ~45 on a 2-vCPU VM. An async `recv()` gets most of that benefit
   * too, from `keepWarm` (see `@multiproc/native`).
   *
   * @throws EOFError when the other end closed and nothing is left; ProcessError while an async
   *   receive is waiting on this connection, or when it is closed or not readable.
   *
   * @example
   * ```ts
   * for (;;) { const task = conn.recvSync(); if (task === null) break; conn.send(work(task)); }
   * ```
   */
  recvSync<T = unknown>(): T {
    return this.#impl.recvSync() as T;
  }

  /**
   * Receives the next message as bytes (one sent with `sendBytes`, or the encoding of one sent
   * with `send`).
   *
   * @param maxlength - refuse a longer message: the promise rejects with a `ProcessError`
   *   (code `ERR_MP_MESSAGE_TOO_LONG`) and the connection is closed, as in Python.
   *
   * @example
   * ```ts
   * const bytes = await conn.recvBytes();
   * ```
   */
  recvBytes(maxlength?: number): Promise<Buffer> {
    if (maxlength !== undefined && (!Number.isSafeInteger(maxlength) || maxlength < 0)) {
      return Promise.reject(invalidArgument('maxlength', 'a non-negative integer', maxlength));
    }
    return this.#impl.recvBytes(maxlength ?? Infinity);
  }

  /**
   * Receives the next message into `buf` from byte `offset` and resolves with its length in
   * bytes. If it does not fit, rejects with `BufferTooShort`, whose `data` is the whole message.
   *
   * @example
   * ```ts
   * const arr = new Int32Array(5);
   * const n = await conn.recvBytesInto(arr); // 8 after sendBytes(new Int32Array([42, 1729]))
   * ```
   */
  async recvBytesInto(buf: BytesLike, offset = 0): Promise<number> {
    const target = toBytes(buf, 'buf');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > target.length) {
      throw invalidArgument('offset', `an integer between 0 and ${target.length}`, offset);
    }
    return this.#impl.recvBytesInto(target, offset);
  }

  /**
   * Whether a whole message (or end of file) is ready to be received, waiting up to `timeout`
   * milliseconds for one. `0` (the default) or a negative number answers at once; `null` or
   * `Infinity` waits as long as it takes (the timeout rule of `docs/timeouts.md`).
   *
   * @example
   * ```ts
   * if (await conn.poll(100)) console.log(await conn.recv());
   * ```
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    return this.#impl.poll(checkTimeout(timeout, 'timeout'));
  }

  // -------------------------------------------------------------------------------------------
  // State

  /**
   * Closes this end. Idempotent. Waiting receives reject; bytes still being sent are written
   * out first (the descriptor closes once they are, or once the other end has taken nothing for
   * 5 s: then they are dropped).
   *
   * @example
   * ```ts
   * conn.close();
   * conn.closed; // true
   * ```
   */
  close(): void {
    this.#impl.close();
  }

  /** Same as `close()`, for `using conn = …`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#impl.closed;
  }

  /** Whether this end receives (false for the writer of `Pipe(false)`). */
  get readable(): boolean {
    return this.#impl.readable;
  }

  /** Whether this end sends (false for the reader of `Pipe(false)`). */
  get writable(): boolean {
    return this.#impl.writable;
  }

  /**
   * The file descriptor of the underlying socket.
   *
   * @example
   * ```ts
   * conn.fileno(); // e.g. 23
   * ```
   */
  fileno(): number {
    return this.#impl.fileno();
  }

  [inspect.custom](): string {
    return this.#impl.describe();
  }

  toString(): string {
    return this[inspect.custom]();
  }

  static {
    internals = {
      create: (source, options) => new Connection(kConstruct, source, options),
      engineOf: (conn) => conn.#impl,
    };
  }
}

/** A byte view of a bytes-like value. */
function toBytes(value: unknown, path: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return Buffer.from(value);
  throw invalidArgument(path, 'a Buffer, typed array, DataView or ArrayBuffer', value);
}

registerShareable<Connection>({
  name: 'multiproc.Connection',
  // The constructor is private to TypeScript users; the registry only tests `instanceof`.
  Class: Connection as unknown as abstract new () => Connection,
  module: import.meta.url,
  toHandle(conn: Connection, context: EncodeContext): unknown {
    if (conn.closed) throw new TypeError('a closed Connection cannot be sent');
    const buffered = internals.engineOf(conn).buffered;
    if (buffered > 0) {
      throw new TypeError(
        `this Connection has already read ${buffered} bytes from its socket that the receiver would never see; receive them before passing it on`,
      );
    }
    const index = context.transfer({ kind: 'socket', socket: internals.engineOf(conn).socket });
    const engine = internals.engineOf(conn);
    return [index, conn.readable, conn.writable, engine.untrusted];
  },
  fromHandle(data: unknown, context: DecodeContext): Connection {
    const [index, readable, writable, untrusted] = data as [number, boolean, boolean, boolean?];
    const handle = context.handles[index] as { fd?: unknown } | undefined;
    if (typeof handle?.fd !== 'number') {
      throw new TypeError('received a Connection without its file descriptor');
    }
    // A child receives it as a plain inherited descriptor; without close-on-exec every process
    // the child starts would hold the socket open too, and its peer would never see end of file.
    setCloexec(handle.fd, true);
    return internals.create(
      { fd: handle.fd },
      { readable, writable, kind: 'inherited', untrusted: untrusted === true },
    );
  },
});
