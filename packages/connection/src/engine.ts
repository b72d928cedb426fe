/**
 * The engine behind `Connection` (the public shell, `connection.ts`, checks arguments and
 * documents the API). Messages are frames (4-byte big-endian length, a long form beyond 4 GiB)
 * carrying msgpack (`send`/`recv`) or raw bytes (`sendBytes`/`recvBytes`).
 *
 * Reading. The socket reads while someone waits for data that is not buffered yet (an async
 * `recv…`, `poll`, `wait`), and then at most one whole message ahead; otherwise the bytes stay
 * in the kernel, the peer's sends back off, and memory stays at one message. Two paths read,
 * never at once:
 *
 * - async: libuv reads on the event loop, into memory `FrameReader.target()` chooses (Node's
 *   `onread`), and `#service()` hands whole frames to waiting receivers in order;
 * - sync: `recvSync()` waits in `readWait` (`@multiproc/native`: a bounded spin of non-blocking
 *   reads, then `poll(2)`) and `poll()`'s first look reads with `fs.readSync`, both on the
 *   descriptor and into the same reader.
 *
 * They cannot race: libuv reads only while the event loop polls, which cannot happen while
 * JavaScript runs, and a sync read runs to completion inside one JavaScript call. What they
 * share is kept consistent at the boundary: bytes land in one reader, in order; libuv's next
 * target is re-pointed after a sync read (`retarget`); the descriptor stays non-blocking, as
 * libuv needs it; and `recvSync` refuses to run while an async receive is queued, whose turn it
 * would otherwise take.
 *
 * Writing: see `writer.ts`.
 */
import { readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { keepWarm, readWait, setLongTimeout, spinMicros, type LongTimer } from '@multiproc/native';
import {
  BufferTooShort,
  EOFError,
  FrameError,
  NeedsImportError,
  ProcessError,
  closedError,
  decode,
  decodeAsync,
  encode,
  frameHeader,
  type DecodeContext,
  toError,
} from '@multiproc/serialize';
import { FrameReader } from './reader.js';
import { fdOf, retarget, wrapHandle } from './uv.js';
import { FrameWriter, kCloseStallMs, kHighWaterMark } from './writer.js';

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
  /**
   * The peer may be anyone who reached a socket (`Listener`/`Client` connections, and those
   * passed on from them): `recv` loads no module to decode its messages.
   */
  untrusted?: boolean;
}

/** Where a connection's socket comes from: a handle taken from a `net.Socket`, or a descriptor. */
export type Source = { handle: object } | { fd: number };

/** Largest frame a guarded connection accepts: Python's `recv_bytes(256)` in the handshake. */
const kGuardedMaxLength = 256;

/** The error of every operation on a closed connection. */
export function connectionClosed(): ProcessError {
  return closedError('Connection');
}

/** One connection's state machine; see the module comment. */
export class ConnectionEngine {
  readonly socket: Socket;
  readonly fd: number;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly kind: string;
  readonly untrusted: boolean;
  readonly #decodeContext: { handles: never[]; untrusted: boolean };
  readonly #reader: FrameReader;
  readonly #writer: FrameWriter;
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
  /** A synchronous read (`recvSync`, a poll's first look) is under way: it wants whole frames. */
  #syncReading = false;

  constructor(source: Source, options: ConnectionOptions) {
    this.readable = options.readable;
    this.writable = options.writable;
    this.kind = options.kind ?? 'socket';
    this.untrusted = options.untrusted ?? false;
    this.#decodeContext = { handles: [], untrusted: this.untrusted };
    this.#reader = new FrameReader({
      ...(options.guarded ? { guarded: true, maxLength: kGuardedMaxLength } : {}),
      bodyFor: (length) => this.#bodyFor(length),
    });
    this.socket = wrapHandle(source, {
      target: () => this.#reader.target(),
      onRead: (n) => this.#onRead(n),
    });
    this.fd = fdOf(this.socket);
    this.#writer = new FrameWriter(this.socket, this.fd);
    this.socket.on('end', () => this.#onEnd(undefined));
    this.socket.on('error', (error) => this.#onEnd(error));
    this.socket.on('close', () => this.#onEnd(undefined));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes read ahead from the socket and not yet received. */
  get buffered(): number {
    return this.#reader.buffered;
  }

  /** `<Connection unix fd=21 duplex open>` */
  describe(): string {
    const state = this.#closed ? 'closed' : this.#eof ? 'eof' : 'open';
    const mode = this.readable && this.writable ? 'duplex' : this.readable ? 'reader' : 'writer';
    return `<Connection ${this.kind} fd=${this.fd} ${mode} ${state}>`;
  }

  // Sending

  /** Returns false once more than `kHighWaterMark` bytes are pending (the caller should drain). */
  send(obj: unknown): boolean {
    this.#assertWritable();
    const payload = encode(obj, { path: 'obj' });
    this.#writer.write(frameHeader(payload.length), payload, true);
    return this.#writer.pending <= kHighWaterMark;
  }

  /** Sends `bytes` (the caller's memory) as one message. */
  sendBytes(bytes: Buffer): boolean {
    this.#assertWritable();
    this.#writer.write(frameHeader(bytes.length), bytes, false);
    return this.#writer.pending <= kHighWaterMark;
  }

  /** Blocks until everything sent so far has been taken by the OS. */
  flushSync(): void {
    this.#writer.flushSync();
  }

  drain(): Promise<void> {
    if (this.#closed) return Promise.reject(connectionClosed());
    return this.#writer.drained();
  }

  // Receiving

  recv(): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.#assertReadable();
      this.#receivers.push({ kind: 'object', resolve, reject });
      this.#service();
    });
  }

  recvSync(): unknown {
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
    return decode(this.#takeSync(), this.#decodeContext);
  }

  recvBytes(maxlength: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.#assertReadable();
      this.#receivers.push({ kind: 'bytes', maxlength, resolve, reject });
      this.#service();
    });
  }

  recvBytesInto(target: Buffer, offset: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#assertReadable();
      this.#receivers.push({ kind: 'into', target, offset, resolve, reject });
      this.#service();
    });
  }

  /** `ms`: 0 answers at once, Infinity waits as long as it takes. */
  poll(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#assertReadable();
      if (this.#readyNow()) return resolve(true);
      if (ms === 0) return resolve(false);
      this.#addPoller(ms, resolve, reject);
    });
  }

  /** For `wait()`: resolves with true when a message or end of file is ready. */
  whenReadable(): { ready: Promise<boolean>; cancel: () => void } {
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

  /** After a successful handshake: normal reads and frame sizes. */
  unguard(): void {
    this.#reader.unguard();
  }

  // State

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = connectionClosed();
    this.#rejectAll(error);
    this.#setReading(false);
    this.#writer.whenEmpty(() => {
      this.#writer.discard(error);
      this.socket.destroy();
    }, kCloseStallMs);
  }

  fileno(): number {
    this.#assertOpen();
    return this.fd;
  }

  // Machinery

  #assertOpen(): void {
    if (this.#closed) throw connectionClosed();
  }

  #assertReadable(): void {
    this.#assertOpen();
    if (!this.readable) throw new ProcessError('Connection is write-only', 'ERR_MP_NOT_READABLE');
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (!this.writable) throw new ProcessError('Connection is read-only', 'ERR_MP_NOT_WRITABLE');
  }

  /**
   * Where a large incoming message goes: straight into the buffer of a `recvBytesInto` waiting
   * for it, when it fits (no allocation, no copy).
   */
  #bodyFor(length: number): Buffer | undefined | null {
    const receiver = this.#receivers[0];
    // Allocate only for someone who takes a message this long: a peer's header alone must not
    // make us allocate what it announces (`recvBytes(maxlength)` refuses it from the header).
    if (receiver?.kind === 'bytes' && length > receiver.maxlength) return null;
    if (!receiver && this.#pollers.size === 0 && !this.#syncReading) return null;
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
    let timer: LongTimer | undefined;
    const poller: Poller = {
      resolve: (ready) => {
        timer?.clear();
        resolve(ready);
      },
      reject: (error) => {
        timer?.clear();
        reject(error);
      },
    };
    if (ms !== Infinity) {
      timer = setLongTimeout(() => {
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
    this.#syncReading = true;
    try {
      while (!this.#reader.hasFrame()) {
        const target = this.#reader.target();
        const n = readSync(this.fd, target, 0, target.length, null);
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
      this.#syncReading = false;
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
      this.#syncReading = true;
      try {
        const fd = this.fd;
        while (!this.#reader.hasFrame()) {
          const target = this.#reader.target();
          const n = readWait(fd, target, 0, target.length, spinMicros);
          if (n === 0) {
            this.#eof = true;
            break;
          }
          this.#reader.commit(n);
        }
      } catch (error) {
        this.#failRead(error);
      } finally {
        this.#syncReading = false;
      }
    }
  }

  /**
   * Whether Node destroyed the socket on its own (a read error), before its 'error' or 'close'
   * event told us. Its descriptor is closed then and its number may already belong to another
   * file: nothing may read it.
   */
  #closedUnderUs(): boolean {
    if (!this.socket.destroyed) return false;
    this.#eof = true;
    return true;
  }

  /** After reading outside libuv: point libuv's next read at the right place. */
  #afterSyncRead(): void {
    if (this.#reading && !this.socket.destroyed) retarget(this.socket, this.#reader.target());
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
    this.#failure ??= toError(error);
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
      deliver(receiver, frame, this.#decodeContext);
    }
    if (this.#pollers.size > 0 && (this.#eof || this.#reader.hasFrame())) {
      const pollers = [...this.#pollers];
      this.#pollers.clear();
      for (const poller of pollers) poller.resolve(true);
    }
    const waiting = this.#receivers.length > 0 || this.#pollers.size > 0;
    if (waiting && this.#reader.deferred) this.#reader.resume();
    // With nobody waiting, a reading socket goes on until one whole message is buffered (not
    // before authentication): the next receive, usually soon, then finds libuv still reading,
    // where stopping and restarting would cost two epoll_ctl calls per message. Only waiters
    // keep the process alive.
    const want =
      !this.#eof &&
      !this.#closed &&
      !this.#reader.hasFrame() &&
      !this.#reader.deferred &&
      (waiting || (this.#reading && !this.#reader.guarded));
    if (waiting !== this.#refed && !this.socket.destroyed) {
      this.#refed = waiting;
      if (waiting) this.socket.ref();
      else this.socket.unref();
    }
    // Someone awaits data that is not here yet: keep the CPUs awake for the reply (see
    // `keepWarm`), which then wakes this event loop without an idle CPU's wake-up cost.
    if (waiting && want) keepWarm();
    if (inCallback) this.#reading = want;
    else this.#setReading(want);
  }

  #setReading(want: boolean): void {
    if (want === this.#reading || this.socket.destroyed) {
      if (!want) this.#reading = false;
      return;
    }
    this.#reading = want;
    if (want) {
      retarget(this.socket, this.#reader.target());
      this.socket.resume();
    } else {
      this.socket.pause();
    }
  }

  #rejectAll(error: Error): void {
    for (const receiver of this.#receivers.splice(0)) receiver.reject(error);
    const pollers = [...this.#pollers];
    this.#pollers.clear();
    for (const poller of pollers) poller.reject(error);
  }
}

function deliver(receiver: Receiver, frame: Buffer, context: DecodeContext): void {
  switch (receiver.kind) {
    case 'object': {
      // Decoded at once: only a message naming an ES module not loaded yet waits for its
      // import, and the rest skip a promise chain per message.
      let value: unknown;
      try {
        value = decode(frame, context);
      } catch (error) {
        if (error instanceof NeedsImportError)
          decodeAsync(frame, context).then(receiver.resolve, receiver.reject);
        else receiver.reject(error);
        return;
      }
      receiver.resolve(value);
      return;
    }
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
