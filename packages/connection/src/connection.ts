/**
 * `Connection`: a message-oriented, connected socket, like Python's
 * `multiprocessing.connection.Connection`. Messages are frames (4-byte big-endian length, a long
 * form beyond 4 GiB) carrying msgpack (`send`/`recv`) or raw bytes (`sendBytes`/`recvBytes`).
 *
 * Reading. The socket reads only while someone waits for data that is not buffered yet (an
 * async `recv…`, `poll`, `wait`); otherwise the bytes stay in the kernel, the peer's sends back
 * off, and memory stays at one message. Two paths read, never at once:
 *
 * - async: libuv reads on the event loop, into memory `FrameReader.target()` chooses (Node's
 *   `onread`), and `#service()` hands whole frames to waiting receivers in order;
 * - sync: `recvSync()` (and `poll()`'s first look) read with `fs.readSync` on the descriptor,
 *   into the same reader.
 *
 * They cannot race: libuv reads only while the event loop polls, which cannot happen while
 * JavaScript runs, and a sync read runs to completion inside one JavaScript call. What they
 * share is kept consistent at the boundary: bytes land in one reader, in order; libuv's next
 * target is re-pointed after a sync read (`retarget`); the descriptor's blocking flag, set for
 * `recvSync`, is restored before it returns; and `recvSync` refuses to run while an async
 * receive is queued, whose turn it would otherwise take.
 *
 * Writing: see `writer.ts`.
 */
import { readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { setCloexec } from '@multiproc/native';
import {
  BufferTooShort,
  EOFError,
  FrameError,
  ProcessError,
  decode,
  decodeAsync,
  encode,
  frameHeader,
  invalidArgument,
  registerShareable,
  type DecodeContext,
  type EncodeContext,
} from '@multiproc/serialize';
import { FrameReader } from './reader.js';
import { fdOf, retarget, whileBlocking, wrapHandle } from './uv.js';
import { FrameWriter } from './writer.js';
import { checkTimeout } from './timeout.js';

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

type Receiver =
  | { kind: 'object'; resolve: (value: unknown) => void; reject: (error: unknown) => void }
  | {
      kind: 'bytes';
      maxlength: number;
      resolve: (value: Buffer) => void;
      reject: (error: unknown) => void;
    }
  | {
      kind: 'into';
      target: Buffer;
      offset: number;
      resolve: (value: number) => void;
      reject: (error: unknown) => void;
    };

interface Poller {
  resolve: (ready: boolean) => void;
  reject: (error: unknown) => void;
}

/** How a connection is made; internal. */
export interface ConnectionOptions {
  readable: boolean;
  writable: boolean;
  /** Before authentication: reads sized to the current frame, frames of at most 256 bytes. */
  guarded?: boolean;
  /** For `inspect`: `'pipe'`, `'unix'`, `'tcp'`. */
  kind?: string;
}

const kConstruct = Symbol('Connection.construct');

type Source = { handle: object } | { fd: number };

/** What the rest of this package may do with a connection; never exported from the package. */
interface ConnectionInternals {
  create(source: Source, options: ConnectionOptions): Connection;
  /** After a successful handshake: normal reads and frame sizes. */
  unguard(conn: Connection): void;
  /** Bytes read ahead from the socket and not yet received. */
  buffered(conn: Connection): number;
  socketOf(conn: Connection): Socket;
  /** Resolves with true when a message or end of file is ready; `cancel()` resolves it false. */
  whenReadable(conn: Connection): { ready: Promise<boolean>; cancel: () => void };
}

// Assigned by Connection's static block, which alone can reach its private fields.
let internals!: ConnectionInternals;

/** Package-internal access to connections (authentication, `wait()`, passing to children). */
export function connectionInternals(): ConnectionInternals {
  return internals;
}
/** Largest frame a guarded connection accepts: Python's `recv_bytes(256)` in the handshake. */
const kGuardedMaxLength = 256;

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
  readonly #socket: Socket;
  readonly #fd: number;
  readonly #reader: FrameReader;
  readonly #writer: FrameWriter;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #kind: string;
  #closed = false;
  /** End of file seen (or the socket failed: `#failure`). */
  #eof = false;
  #failure: Error | undefined;
  #receivers: Receiver[] = [];
  #pollers = new Set<Poller>();
  /** Whether libuv is reading (between `resume()` and a callback returning false / `pause()`). */
  #reading = false;
  /** Whether the socket keeps the event loop alive (only while someone waits). */
  #refed = true;

  /** Use `Pipe()`, `Client()` or `Listener.accept()`. */
  private constructor(token: typeof kConstruct, source: Source, options: ConnectionOptions) {
    if (token !== kConstruct) {
      throw new TypeError(
        'Connection cannot be constructed directly; use Pipe(), Client() or Listener.accept()',
      );
    }
    this.#readable = options.readable;
    this.#writable = options.writable;
    this.#kind = options.kind ?? 'socket';
    this.#reader = new FrameReader({
      ...(options.guarded ? { guarded: true, maxLength: kGuardedMaxLength } : {}),
      bodyFor: (length) => this.#bodyFor(length),
    });
    this.#socket = wrapHandle(source, {
      target: () => this.#reader.target(),
      onRead: (n) => this.#onRead(n),
    });
    this.#fd = fdOf(this.#socket);
    this.#writer = new FrameWriter(this.#socket, this.#fd);
    this.#socket.on('end', () => this.#onEnd(undefined));
    this.#socket.on('error', (error) => this.#onEnd(error));
    this.#socket.on('close', () => this.#onEnd(undefined));
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Sends an object: anything multiproc can send (plain data, Map, Set, Date, typed arrays,
   * errors …). Never waits: what the OS does not take at once is written in the background
   * (see `drain()`), and at the latest before this process exits.
   *
   * @throws TypeError naming the part of `obj` that cannot be sent; EOFError when the other end
   *   is closed; ProcessError when this connection is closed or not writable.
   *
   * @example
   * ```ts
   * conn.send({ task: 'resize', sizes: new Set([64, 128]) });
   * ```
   */
  send(obj: unknown): void {
    this.#assertWritable();
    const payload = encode(obj, { path: 'obj' });
    this.#writer.write(frameHeader(payload.length), payload, true);
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
   */
  sendBytes(buf: BytesLike, offset = 0, size?: number): void {
    this.#assertWritable();
    const bytes = toBytes(buf, 'buf');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > bytes.length) {
      throw invalidArgument('offset', `an integer between 0 and ${bytes.length}`, offset);
    }
    const available = bytes.length - offset;
    if (size === undefined) size = available;
    else if (!Number.isSafeInteger(size) || size < 0 || size > available) {
      throw invalidArgument('size', `an integer between 0 and ${available}`, size);
    }
    this.#writer.write(frameHeader(size), bytes.subarray(offset, offset + size), false);
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
    if (this.#closed) return Promise.reject(closedError());
    return this.#writer.drained();
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
    return new Promise<unknown>((resolve, reject) => {
      this.#assertReadable();
      this.#receivers.push({ kind: 'object', resolve, reject });
      this.#service();
    }) as Promise<T>;
  }

  /**
   * Receives the next object, blocking this thread until it arrives (never another process's
   * event loop). Anything this end still has to send is written out first, so a worker that
   * sends a large result and then waits for the next task cannot deadlock with its parent.
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
    this.#assertReadable();
    if (this.#receivers.length > 0) {
      throw new ProcessError(
        'recvSync() cannot run while a recv() on this Connection is waiting: it would take that message',
      );
    }
    if (this.#writer.pending > 0) {
      try {
        this.#writer.flushSync();
      } catch {
        // The peer is gone: what is still buffered can be read, then end of file.
      }
    }
    const frame = this.#takeSync();
    return decode(frame) as T;
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
    return new Promise<Buffer>((resolve, reject) => {
      if (maxlength !== undefined && (!Number.isSafeInteger(maxlength) || maxlength < 0)) {
        throw invalidArgument('maxlength', 'a non-negative integer', maxlength);
      }
      this.#assertReadable();
      this.#receivers.push({ kind: 'bytes', maxlength: maxlength ?? Infinity, resolve, reject });
      this.#service();
    });
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
  recvBytesInto(buf: BytesLike, offset = 0): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const target = toBytes(buf, 'buf');
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > target.length) {
        throw invalidArgument('offset', `an integer between 0 and ${target.length}`, offset);
      }
      this.#assertReadable();
      this.#receivers.push({ kind: 'into', target, offset, resolve, reject });
      this.#service();
    });
  }

  /**
   * Whether a whole message (or end of file) is ready to be received, waiting up to `timeout`
   * milliseconds for one. `0` (the default) answers at once; `null` or `Infinity` waits as long
   * as it takes. A negative timeout counts as 0, as in Python.
   *
   * @example
   * ```ts
   * if (await conn.poll(100)) console.log(await conn.recv());
   * ```
   */
  poll(timeout: number | null = 0): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const ms = checkTimeout(timeout, 'timeout');
      this.#assertReadable();
      if (this.#readyNow()) return resolve(true);
      if (ms === 0) return resolve(false);
      this.#addPoller(ms, resolve, reject);
    });
  }

  // -------------------------------------------------------------------------------------------
  // State

  /**
   * Closes this end. Idempotent. Waiting receives reject; bytes still being sent are written
   * out first (the descriptor closes once they are).
   *
   * @example
   * ```ts
   * conn.close();
   * conn.closed; // true
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = closedError();
    this.#rejectAll(error);
    this.#setReading(false);
    this.#writer.whenEmpty(() => {
      this.#writer.discard(error);
      this.#socket.destroy();
    });
  }

  /** Same as `close()`, for `using conn = …`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end receives (false for the writer of `Pipe(false)`). */
  get readable(): boolean {
    return this.#readable;
  }

  /** Whether this end sends (false for the reader of `Pipe(false)`). */
  get writable(): boolean {
    return this.#writable;
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
    this.#assertOpen();
    return this.#fd;
  }

  [inspect.custom](): string {
    const state = this.#closed ? 'closed' : this.#eof ? 'eof' : 'open';
    const mode = this.#readable && this.#writable ? 'duplex' : this.#readable ? 'reader' : 'writer';
    return `<Connection ${this.#kind} fd=${this.#fd} ${mode} ${state}>`;
  }

  toString(): string {
    return this[inspect.custom]();
  }

  static {
    internals = {
      create: (source, options) => new Connection(kConstruct, source, options),
      unguard: (conn) => conn.#reader.unguard(),
      buffered: (conn) => conn.#reader.buffered,
      socketOf: (conn) => conn.#socket,
      whenReadable: (conn) => conn.#whenReadable(),
    };
  }

  /** For `wait()`: resolves with true when a message or end of file is ready. */
  #whenReadable(): { ready: Promise<boolean>; cancel: () => void } {
    let poller: Poller | undefined;
    const ready = new Promise<boolean>((resolve, reject) => {
      this.#assertReadable();
      if (this.#readyNow()) return resolve(true);
      poller = { resolve, reject };
      this.#pollers.add(poller);
      this.#service();
    });
    return {
      ready,
      cancel: () => {
        if (poller && this.#pollers.delete(poller)) {
          poller.resolve(false);
          this.#service();
        }
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Engine

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  #assertReadable(): void {
    this.#assertOpen();
    if (!this.#readable) throw new ProcessError('Connection is write-only', 'ERR_MP_NOT_READABLE');
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (!this.#writable) throw new ProcessError('Connection is read-only', 'ERR_MP_NOT_WRITABLE');
  }

  /**
   * Where a large incoming message goes: straight into the buffer of a `recvBytesInto` waiting
   * for it, when it fits (no allocation, no copy).
   */
  #bodyFor(length: number): Buffer | undefined {
    const receiver = this.#receivers[0];
    if (receiver?.kind !== 'into' || length > receiver.target.length - receiver.offset) return;
    return receiver.target.subarray(receiver.offset, receiver.offset + length);
  }

  /** Whether a poll would answer true without waiting; reads what the kernel already has. */
  #readyNow(): boolean {
    if (this.#reader.hasFrame() || this.#eof) return true;
    if (this.#receivers.length > 0) return false;
    this.#readAvailable();
    return this.#reader.hasFrame() || this.#eof;
  }

  #addPoller(ms: number, resolve: (ready: boolean) => void, reject: (e: unknown) => void): void {
    let timer: NodeJS.Timeout | undefined;
    const poller: Poller = {
      resolve: (ready) => {
        clearTimeout(timer);
        resolve(ready);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    };
    if (ms !== Infinity) {
      timer = setTimeout(() => {
        if (this.#pollers.delete(poller)) {
          resolve(false);
          this.#service();
        }
      }, ms);
    }
    this.#pollers.add(poller);
    this.#service();
  }

  /** Non-blocking: reads whatever the kernel holds, until a whole frame is buffered. */
  #readAvailable(): void {
    if (this.#closedUnderUs()) return;
    try {
      while (!this.#reader.hasFrame()) {
        const target = this.#reader.target();
        const n = readSync(this.#fd, target, 0, target.length, null);
        if (n === 0) {
          this.#eof = true;
          break;
        }
        this.#reader.commit(n);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') this.#failRead(error);
    } finally {
      this.#afterSyncRead();
    }
  }

  /** Blocks until a whole frame is buffered, then takes it. */
  #takeSync(): Buffer {
    for (;;) {
      const frame = this.#reader.take();
      if (frame) {
        this.#afterSyncRead();
        return frame;
      }
      if (this.#eof || this.#closedUnderUs()) throw this.#eofError();
      try {
        whileBlocking(this.#socket, (fd) => {
          while (!this.#reader.hasFrame()) {
            const target = this.#reader.target();
            let n: number;
            try {
              n = readSync(fd, target, 0, target.length, null);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'EINTR') continue;
              throw error;
            }
            if (n === 0) {
              this.#eof = true;
              return;
            }
            this.#reader.commit(n);
          }
        });
      } catch (error) {
        this.#failRead(error);
      }
    }
  }

  /**
   * Whether Node destroyed the socket on its own (a read error), before its 'error' or 'close'
   * event told us. Its descriptor is closed then and its number may already belong to another
   * file: nothing may read it.
   */
  #closedUnderUs(): boolean {
    if (!this.#socket.destroyed) return false;
    this.#eof = true;
    return true;
  }

  /** After reading outside libuv: point libuv's next read at the right place. */
  #afterSyncRead(): void {
    if (this.#reading && !this.#socket.destroyed) retarget(this.#socket, this.#reader.target());
    this.#service();
  }

  /** libuv read `n` bytes into the last target; returning false stops reading. */
  #onRead(n: number): boolean {
    try {
      this.#reader.commit(n);
    } catch (error) {
      this.#failRead(error);
    }
    this.#service(true);
    return this.#reading;
  }

  #onEnd(error: Error | undefined): void {
    if (this.#eof) return;
    this.#eof = true;
    if (error) this.#failure ??= error;
    this.#reading = false;
    this.#service();
  }

  /** A read failed (a broken frame, a reset): nothing more can be received. */
  #failRead(error: unknown): void {
    this.#eof = true;
    this.#failure ??= error instanceof Error ? error : new Error(String(error));
    if (error instanceof FrameError) {
      // The stream can no longer be split into messages.
      this.#rejectAll(this.#failure);
      this.#setReading(false);
    }
  }

  #eofError(): Error {
    const failure = this.#failure;
    if (failure && !(failure instanceof EOFError)) {
      if (failure instanceof FrameError) return failure;
      return new EOFError('end of file: the connection to the other end broke', { cause: failure });
    }
    const partial = this.#reader.partial();
    if (partial) {
      return new EOFError(
        partial.length < 0
          ? 'end of file in the middle of a message header'
          : `end of file in the middle of a message: the other end closed after sending ${partial.received} of its ${partial.length} bytes`,
      );
    }
    return new EOFError();
  }

  /**
   * Hands whole frames to waiting receivers in order, answers pollers, and reads only while
   * someone waits for something not buffered yet.
   */
  #service(inCallback = false): void {
    while (this.#receivers.length > 0) {
      const receiver = this.#receivers[0] as Receiver;
      if (receiver.kind === 'bytes') {
        const length = this.#reader.nextLength();
        if (length > receiver.maxlength) {
          this.#receivers.shift();
          receiver.reject(
            new ProcessError(
              `message of ${length} bytes is longer than maxlength ${receiver.maxlength}; the connection is closed`,
              'ERR_MP_MESSAGE_TOO_LONG',
            ),
          );
          this.close();
          return;
        }
      }
      const frame = this.#reader.take();
      if (!frame) {
        if (!this.#eof) break;
        this.#receivers.shift();
        receiver.reject(this.#eofError());
        continue;
      }
      this.#receivers.shift();
      deliver(receiver, frame);
    }
    if (this.#pollers.size > 0 && (this.#eof || this.#reader.hasFrame())) {
      const pollers = [...this.#pollers];
      this.#pollers.clear();
      for (const poller of pollers) poller.resolve(true);
    }
    const waiting = this.#receivers.length > 0 || this.#pollers.size > 0;
    // With nobody waiting, a reading socket goes on until one whole message is buffered (not
    // before authentication): the next receive, usually soon, then finds libuv still reading,
    // where stopping and restarting would cost two epoll_ctl calls per message. Only waiters
    // keep the process alive.
    const want =
      !this.#eof &&
      !this.#closed &&
      !this.#reader.hasFrame() &&
      (waiting || (this.#reading && !this.#reader.guarded));
    if (waiting !== this.#refed && !this.#socket.destroyed) {
      this.#refed = waiting;
      if (waiting) this.#socket.ref();
      else this.#socket.unref();
    }
    if (inCallback) this.#reading = want;
    else this.#setReading(want);
  }

  #setReading(want: boolean): void {
    if (want === this.#reading || this.#socket.destroyed) {
      if (!want) this.#reading = false;
      return;
    }
    this.#reading = want;
    if (want) {
      retarget(this.#socket, this.#reader.target());
      this.#socket.resume();
    } else {
      this.#socket.pause();
    }
  }

  #rejectAll(error: Error): void {
    for (const receiver of this.#receivers.splice(0)) receiver.reject(error);
    const pollers = [...this.#pollers];
    this.#pollers.clear();
    for (const poller of pollers) poller.reject(error);
  }
}

function deliver(receiver: Receiver, frame: Buffer): void {
  switch (receiver.kind) {
    case 'object':
      decodeAsync(frame).then(receiver.resolve, receiver.reject);
      return;
    case 'bytes':
      receiver.resolve(frame);
      return;
    case 'into': {
      const { target, offset } = receiver;
      if (frame.buffer === target.buffer && frame.byteOffset === target.byteOffset + offset) {
        receiver.resolve(frame.length); // read in place by #bodyFor
        return;
      }
      if (frame.length > target.length - offset) {
        receiver.reject(
          new BufferTooShort(
            frame,
            `buffer too short: the message is ${frame.length} bytes, the buffer has ${target.length - offset} from offset ${offset}`,
          ),
        );
        return;
      }
      target.set(frame, offset);
      receiver.resolve(frame.length);
    }
  }
}

function closedError(): ProcessError {
  return new ProcessError('Connection is closed', 'ERR_MP_CLOSED');
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
    const buffered = internals.buffered(conn);
    if (buffered > 0) {
      throw new TypeError(
        `this Connection has already read ${buffered} bytes from its socket that the receiver would never see; receive them before passing it on`,
      );
    }
    const index = context.transfer({ kind: 'socket', socket: internals.socketOf(conn) });
    return [index, conn.readable, conn.writable];
  },
  fromHandle(data: unknown, context: DecodeContext): Connection {
    const [index, readable, writable] = data as [number, boolean, boolean];
    const handle = context.handles[index] as { fd?: unknown } | undefined;
    if (typeof handle?.fd !== 'number') {
      throw new TypeError('received a Connection without its file descriptor');
    }
    // A child receives it as a plain inherited descriptor; without close-on-exec every process
    // the child starts would hold the socket open too, and its peer would never see end of file.
    setCloexec(handle.fd, true);
    return internals.create({ fd: handle.fd }, { readable, writable, kind: 'inherited' });
  },
});
