/**
 * The sending half of a connection: frames written with `fs.writevSync` on the non-blocking
 * descriptor, and a queue of what the OS did not take at once.
 *
 * Why not `socket.write()`: bytes handed to libuv are written only when the event loop runs.
 * A process that sends a large result and then blocks in `recvSync()` (the usual worker loop),
 * or returns from its target (the child then exits), would never deliver them, and its peer
 * would wait forever for the end of the message. Keeping the unsent bytes ourselves lets
 * `recvSync()` and process exit write them out synchronously.
 *
 * The price: Node tells nobody when a descriptor becomes writable again unless libuv holds
 * bytes for it. While the queue is not empty, the drain retries on `setImmediate` as long as
 * writes make progress (a reader that keeps up: full speed), then backs off on timers up to
 * `kMaxBackoffMs` (a reader that stopped reading: little CPU, a late wake-up of at most that).
 *
 * Memory: a message goes to the OS straight from the caller's buffer; only the part the OS did
 * not take is kept, as a copy when the caller owns the buffer (so it may be reused at once, as
 * in Python) and by reference when it is our own encoding.
 */
import { writeSync, writevSync } from 'node:fs';
import type { Socket } from 'node:net';
import { EOFError } from '@multiproc/serialize';
import { whileBlocking } from './uv.js';

/** Frames up to this size are joined with their header and written with one `write`. */
const kJoinBelow = 16 * 1024;
/** At most this many buffers per `writev` (IOV_MAX is 1024 on Linux and macOS). */
const kMaxIov = 64;
/** `setImmediate` retries without progress before backing off to timers. */
const kSpinRetries = 64;
const kMaxBackoffMs = 16;

/** Errors that mean the other end is gone. */
const brokenCodes = new Set(['EPIPE', 'ECONNRESET', 'ENOTCONN', 'ECONNABORTED', 'ESHUTDOWN']);

/** Writers with unsent bytes, flushed synchronously when the process exits. */
const unflushed = new Set<FrameWriter>();
let exitHookInstalled = false;

function flushAllAtExit(): void {
  for (const writer of unflushed) {
    try {
      writer.flushSync();
    } catch {
      // The peer is gone; nothing more can be delivered.
    }
  }
}

/** Queues and writes frames; see the module comment. */
export class FrameWriter {
  readonly #socket: Socket;
  readonly #fd: number;
  #queue: Buffer[] = [];
  /** Bytes of `#queue[0]` already written. */
  #offset = 0;
  #queued = 0;
  #broken: Error | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #spins = 0;
  #backoff = 0;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #onEmpty: (() => void) | undefined;

  constructor(socket: Socket, fd: number) {
    this.#socket = socket;
    this.#fd = fd;
  }

  /** Bytes sent but not yet taken by the OS. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Writes one frame. `payloadIsOurs`: the payload is never touched by anyone else, so a part
   * the OS did not take can be kept without copying it.
   *
   * @throws EOFError when the other end is closed.
   */
  write(header: Buffer, payload: Uint8Array, payloadIsOurs: boolean): void {
    if (this.#broken) throw this.#brokenError();
    if (this.#socket.destroyed) throw this.#markBroken(undefined);
    const total = header.length + payload.length;
    if (this.#queued > 0) {
      this.#enqueue(header, 0, true);
      this.#enqueue(payload, 0, payloadIsOurs);
      return;
    }
    let written = 0;
    if (total <= kJoinBelow) {
      const frame = Buffer.allocUnsafe(total);
      header.copy(frame, 0);
      frame.set(payload, header.length);
      written = this.#tryWrite(() => writeSync(this.#fd, frame));
      if (written < total) this.#enqueue(frame, written, true);
    } else {
      written = this.#tryWrite(() => writevSync(this.#fd, [header, payload]));
      if (written < header.length) {
        this.#enqueue(header, written, true);
        this.#enqueue(payload, 0, payloadIsOurs);
      } else if (written < total) {
        this.#enqueue(payload, written - header.length, payloadIsOurs);
      }
    }
    if (this.#queued > 0) this.#schedule(written > 0);
  }

  /** Resolves once everything written so far has been taken by the OS. */
  drained(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#brokenError());
    if (this.#queued === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Writes every queued byte now, blocking the thread until the OS has taken them (Python's
   * `send`). Used before blocking in `recvSync` and at process exit.
   *
   * @throws EOFError when the other end is closed.
   */
  flushSync(): void {
    if (this.#queued === 0) return;
    if (this.#broken) throw this.#brokenError();
    if (this.#socket.destroyed) throw this.#markBroken(undefined);
    this.#cancelSchedule();
    try {
      whileBlocking(this.#socket, () => {
        while (this.#queued > 0) this.#consume(this.#writeQueue());
      });
    } catch (error) {
      throw this.#fail(error);
    }
    this.#settle();
  }

  /** Calls `fn` once the queue is empty (at once if it is). */
  whenEmpty(fn: () => void): void {
    if (this.#queued === 0 || this.#broken) fn();
    else this.#onEmpty = fn;
  }

  /** Drops whatever is queued (the connection is being destroyed). */
  discard(reason: Error): void {
    this.#cancelSchedule();
    this.#queue = [];
    this.#offset = 0;
    this.#queued = 0;
    unflushed.delete(this);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  #tryWrite(write: () => number): number {
    for (;;) {
      try {
        return write();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
        if (code === 'EINTR') continue;
        throw this.#fail(error);
      }
    }
  }

  #writeQueue(): number {
    const first = this.#queue[0] as Buffer;
    if (this.#queue.length === 1) {
      return this.#retryIntr(() => writeSync(this.#fd, first, this.#offset));
    }
    const iov = this.#queue.slice(0, kMaxIov);
    iov[0] = first.subarray(this.#offset);
    return this.#retryIntr(() => writevSync(this.#fd, iov));
  }

  #retryIntr(write: () => number): number {
    for (;;) {
      try {
        return write();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINTR') throw error;
      }
    }
  }

  #enqueue(buffer: Uint8Array, from: number, ours: boolean): void {
    if (from >= buffer.length) return;
    const rest = ours
      ? Buffer.from(buffer.buffer, buffer.byteOffset + from, buffer.length - from)
      : Buffer.from(buffer.subarray(from));
    this.#queue.push(rest);
    this.#queued += rest.length;
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', flushAllAtExit);
    }
    unflushed.add(this);
  }

  #consume(n: number): void {
    this.#queued -= n;
    let left = n + this.#offset;
    while (left > 0) {
      const first = this.#queue[0] as Buffer;
      if (left < first.length) break;
      left -= first.length;
      this.#queue.shift();
    }
    this.#offset = left;
  }

  #drain = (): void => {
    this.#immediate = undefined;
    this.#timer = undefined;
    if (this.#socket.destroyed) {
      this.#markBroken(undefined);
      return;
    }
    let progressed = false;
    try {
      while (this.#queued > 0) {
        const n = this.#tryWrite(() => this.#writeQueue());
        if (n === 0) break;
        progressed = true;
        this.#consume(n);
      }
    } catch {
      return; // #fail has settled everything
    }
    if (this.#queued === 0) this.#settle();
    else this.#schedule(progressed);
  };

  #schedule(progressed: boolean): void {
    if (this.#immediate || this.#timer) return;
    if (progressed) {
      this.#spins = 0;
      this.#backoff = 0;
    }
    if (this.#spins++ < kSpinRetries) {
      this.#immediate = setImmediate(this.#drain);
    } else {
      this.#backoff = Math.min(kMaxBackoffMs, this.#backoff * 2 || 1);
      this.#timer = setTimeout(this.#drain, this.#backoff);
    }
  }

  #cancelSchedule(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#timer) clearTimeout(this.#timer);
    this.#immediate = undefined;
    this.#timer = undefined;
  }

  #settle(): void {
    this.#spins = 0;
    this.#backoff = 0;
    unflushed.delete(this);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    const onEmpty = this.#onEmpty;
    this.#onEmpty = undefined;
    onEmpty?.();
  }

  /** Records a write failure, drops the queue and settles waiters; returns what to throw. */
  #fail(error: unknown): Error {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && brokenCodes.has(code)) return this.#markBroken(error);
    const failure = error instanceof Error ? error : new Error(String(error));
    this.#broken = failure;
    this.discard(failure);
    this.#runOnEmpty();
    return failure;
  }

  #markBroken(cause: unknown): Error {
    this.#broken ??= new EOFError(
      'cannot send: the other end of the connection is closed',
      cause === undefined ? undefined : { cause },
    );
    const error = this.#brokenError();
    this.discard(error);
    this.#runOnEmpty();
    return error;
  }

  #runOnEmpty(): void {
    const onEmpty = this.#onEmpty;
    this.#onEmpty = undefined;
    onEmpty?.();
  }

  #brokenError(): Error {
    const broken = this.#broken as Error;
    // A fresh error per call, so each caller gets its own stack.
    if (broken instanceof EOFError)
      return new EOFError(broken.message, broken.cause === undefined ? {} : { cause: broken.cause });
    return broken;
  }
}
