/**
 * The sending half of a connection.
 *
 * A frame goes out with `fs.writeSync`/`writevSync` on the non-blocking descriptor, straight
 * from the caller's buffer: small messages never touch libuv. What the OS does not take at once
 * is handed to libuv through a second socket over a duplicate of the descriptor (`dupFd`), which
 * writes it as the reader makes room, woken by epoll.
 *
 * Why the duplicate: bytes held by libuv are written only while the event loop runs. A process
 * that sends a large result and then blocks in `recvSync()` (the usual worker loop), or returns
 * from its target (the child then exits), would never deliver them, and its peer would wait
 * forever for the end of the message. `flushSync()` therefore takes the unsent bytes back: libuv
 * reports how many it has not written (`writeQueueSize`), closing the duplicate cancels them
 * without touching the original descriptor, and the rest is written synchronously on it.
 *
 * Memory: a part the OS did not take at once is kept as a copy when the caller owns the buffer
 * (so `buf` may be reused as soon as `sendBytes` returns, as in Python), by reference when it
 * is our own encoding. Sending N bytes thus costs at most N bytes more.
 */
import { writeSync, writevSync } from 'node:fs';
import { Socket } from 'node:net';
import { dupFd } from '@multiproc/native';
import { EOFError, TimeoutError, toError } from '@multiproc/serialize';
import { unsentBytes, whileBlocking } from './uv.js';

/** Frames up to this size are joined with their header and written with one `write`. */
const kJoinBelow = 16 * 1024;
/** At most this many buffers per `writev` (IOV_MAX is 1024 on Linux and macOS). */
const kMaxIov = 64;

/**
 * Largest copy kept for reuse. A fresh allocation of a megabyte costs ~0.5 ms in page faults
 * (measured, 2-vCPU VM), ten times the copy itself; a sender of large messages copies each
 * one's unsent part into the same memory instead.
 */
const kSpareMax = 64 * 1024 * 1024;
/** An idle spare is dropped after this long. */
const kSpareIdleMs = 1000;

/**
 * Pending bytes above which `send()` answers false: the caller should `await conn.drain()`
 * before sending more (Node streams' `write()` contract, with a size fit for whole messages).
 */
export const kHighWaterMark = 4 * 1024 * 1024;
/** At exit, pending bytes of every connection get this long in all to be written; then dropped. */
const kExitFlushMs = 5000;
/** A closed connection whose peer takes nothing for this long is destroyed, pending bytes dropped. */
export const kCloseStallMs = 5000;

/** Errors that mean the other end is gone. */
const brokenCodes = new Set(['EPIPE', 'ECONNRESET', 'ENOTCONN', 'ECONNABORTED', 'ESHUTDOWN']);

/** Writers with unsent bytes, flushed synchronously when the process exits. */
const unflushed = new Set<FrameWriter>();
let exitHookInstalled = false;

function flushAllAtExit(): void {
  // Bounded: a peer that does not read must not keep this process from exiting.
  const deadline = performance.now() + kExitFlushMs;
  for (const writer of unflushed) {
    try {
      writer.flushSync(deadline);
    } catch {
      // The peer is gone, or the time is up; nothing more can be delivered.
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes `parts` on a non-blocking descriptor until done or `deadline` (performance.now()),
 * sleeping between attempts while the peer's buffer is full. Returns whether all was written.
 */
function writeUntil(fd: number, parts: Buffer[], deadline: number): boolean {
  let first = 0;
  let offset = 0;
  let pause = 0.25;
  while (first < parts.length) {
    const iov = parts.slice(first, first + kMaxIov);
    iov[0] = (iov[0] as Buffer).subarray(offset);
    let n: number;
    try {
      n = writevSync(fd, iov);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EINTR') continue;
      if (!isRetryable(error)) throw error;
      if (performance.now() >= deadline) return false;
      Atomics.wait(sleeper, 0, 0, pause);
      pause = Math.min(pause * 2, 10);
      continue;
    }
    pause = 0.25;
    while (n > 0) {
      const left = (parts[first] as Buffer).length - offset;
      if (n < left) {
        offset += n;
        break;
      }
      n -= left;
      first++;
      offset = 0;
    }
  }
  return true;
}

function isRetryable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** Queues and writes frames; see the module comment. */
export class FrameWriter {
  readonly #socket: Socket;
  readonly #fd: number;
  /** Bytes not yet handed to libuv, in order. */
  #queue: Buffer[] = [];
  #queued = 0;
  /** The libuv socket over a duplicate descriptor, created at the first overflow. */
  #libuv: Socket | undefined;
  /** Buffers handed to libuv and not yet reported written, in order. */
  #inflight: Buffer[] = [];
  #inflightBytes = 0;
  /** Bumped when libuv's writes are taken back, so their late callbacks are ignored. */
  #generation = 0;
  #broken: Error | undefined;
  /** Memory for copies of callers' bytes, reused while it is not pending; see `kSpareMax`. */
  #spare: Buffer | undefined;
  #spareBusy = false;
  #spareTimer: NodeJS.Timeout | undefined;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #onEmpty: (() => void) | undefined;

  constructor(socket: Socket, fd: number) {
    this.#socket = socket;
    this.#fd = fd;
  }

  /** Bytes sent but not yet taken by the OS. */
  get pending(): number {
    return this.#queued + this.#inflightBytes;
  }

  /**
   * Writes one frame. `payloadIsOurs`: nobody else touches the payload, so a part the OS did
   * not take can be kept without copying it.
   *
   * @throws EOFError when the other end is closed.
   */
  write(header: Buffer, payload: Uint8Array, payloadIsOurs: boolean): void {
    if (this.#broken) throw this.#brokenError();
    if (this.#socket.destroyed) throw this.#markBroken(undefined);
    if (this.pending > 0) {
      this.#enqueue(header, 0, true);
      this.#enqueue(payload, 0, payloadIsOurs);
      this.#pump();
      return;
    }
    const total = header.length + payload.length;
    let written: number;
    if (total <= kJoinBelow) {
      const frame = Buffer.allocUnsafe(total);
      header.copy(frame, 0);
      frame.set(payload, header.length);
      written = this.#tryWrite(() => writeSync(this.#fd, frame));
      if (written === total) return;
      this.#enqueue(frame, written, true);
    } else {
      written = this.#tryWrite(() => writevSync(this.#fd, [header, payload]));
      if (written === total) return;
      if (written < header.length) {
        this.#enqueue(header, written, true);
        this.#enqueue(payload, 0, payloadIsOurs);
      } else {
        this.#enqueue(payload, written - header.length, payloadIsOurs);
      }
    }
    this.#pump();
  }

  /** Resolves once everything written so far has been taken by the OS. */
  drained(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#brokenError());
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Writes every pending byte now, blocking the thread until the OS has taken them all (what
   * Python's `send` does). Used by `sendSync`, before blocking in `recvSync`, and at process
   * exit, where `deadline` (a `performance.now()` time) bounds it: what is left then is dropped.
   *
   * @throws EOFError when the other end is closed; TimeoutError when `deadline` passed.
   */
  flushSync(deadline?: number): void {
    if (this.pending === 0) return;
    if (this.#broken) throw this.#brokenError();
    if (this.#socket.destroyed) throw this.#markBroken(undefined);
    const parts = [...this.#takeBackInflight(), ...this.#queue];
    this.#queue = [];
    this.#queued = 0;
    let done: boolean;
    try {
      // Without a deadline, blocking writes (the thread sleeps in the kernel until the peer
      // reads); with one, non-blocking writes and short sleeps until it passes.
      done =
        deadline === undefined
          ? whileBlocking(this.#socket, (fd) => writeUntil(fd, parts, Infinity))
          : writeUntil(this.#fd, parts, deadline);
    } catch (error) {
      throw this.#fail(error);
    }
    if (!done) {
      const error = new TimeoutError('the other end took nothing before the deadline');
      this.discard(error);
      throw error;
    }
    this.#settle();
  }

  /**
   * Calls `fn` once nothing is pending (at once if nothing is), or once the peer has taken
   * nothing for `stallMs`: a peer that stopped reading must not hold the descriptor forever.
   */
  whenEmpty(fn: () => void, stallMs = Infinity): void {
    if (this.pending === 0 || this.#broken) {
      fn();
      return;
    }
    this.#onEmpty = fn;
    if (stallMs === Infinity) return;
    let last = this.pending;
    const check = (): void => {
      if (this.#onEmpty !== fn) return;
      if (this.pending < last) {
        last = this.pending;
        setTimeout(check, stallMs).unref();
        return;
      }
      this.#runOnEmpty();
    };
    setTimeout(check, stallMs).unref();
  }

  /** Drops whatever is pending and closes the duplicate (the connection is being destroyed). */
  discard(reason: Error): void {
    this.#generation++;
    this.#libuv?.destroy();
    this.#libuv = undefined;
    this.#inflight = [];
    this.#inflightBytes = 0;
    this.#queue = [];
    this.#queued = 0;
    this.#releaseSpare();
    unflushed.delete(this);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  #tryWrite(write: () => number): number {
    for (;;) {
      try {
        return write();
      } catch (error) {
        if (isRetryable(error)) return 0;
        if ((error as NodeJS.ErrnoException).code === 'EINTR') continue;
        throw this.#fail(error);
      }
    }
  }

  #enqueue(buffer: Uint8Array, from: number, ours: boolean): void {
    if (from >= buffer.length) return;
    const rest = ours
      ? Buffer.from(buffer.buffer, buffer.byteOffset + from, buffer.length - from)
      : this.#copy(buffer.subarray(from));
    this.#queue.push(rest);
    this.#queued += rest.length;
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', flushAllAtExit);
    }
    unflushed.add(this);
  }

  /** A copy of `bytes`, in the spare memory when it is free and large enough. */
  #copy(bytes: Uint8Array): Buffer {
    if (this.#spareBusy || bytes.length > kSpareMax) return Buffer.from(bytes);
    if (!this.#spare || this.#spare.length < bytes.length) {
      this.#spare = Buffer.allocUnsafe(bytes.length);
    }
    clearTimeout(this.#spareTimer);
    this.#spareBusy = true;
    const copy = this.#spare.subarray(0, bytes.length);
    copy.set(bytes);
    return copy;
  }

  /** Nothing is pending any more: the spare may be reused, and is dropped if it stays idle. */
  #releaseSpare(): void {
    if (!this.#spareBusy) return;
    this.#spareBusy = false;
    clearTimeout(this.#spareTimer);
    this.#spareTimer = setTimeout(() => (this.#spare = undefined), kSpareIdleMs);
    this.#spareTimer.unref();
  }

  /** Hands everything queued to libuv, unless it is still writing an earlier batch. */
  #pump(): void {
    if (this.#inflightBytes > 0 || this.#queued === 0 || this.#broken) return;
    const socket = (this.#libuv ??= this.#openDuplicate());
    const batch = this.#queue;
    this.#queue = [];
    this.#inflight = batch;
    this.#inflightBytes = this.#queued;
    this.#queued = 0;
    const generation = this.#generation;
    const done = (error?: Error | null): void => {
      if (generation !== this.#generation) return; // taken back by flushSync
      this.#inflight = [];
      this.#inflightBytes = 0;
      if (error) {
        this.#fail(error);
        return;
      }
      if (this.#queued > 0) this.#pump();
      else this.#settle();
    };
    // One libuv request for the whole batch (writev), so `writeQueueSize` covers all of it.
    socket.cork();
    for (let i = 0; i < batch.length; i++) {
      socket.write(batch[i] as Buffer, i === batch.length - 1 ? done : undefined);
    }
    socket.uncork();
  }

  #openDuplicate(): Socket {
    const socket = new Socket({
      fd: dupFd(this.#fd),
      readable: false,
      writable: true,
      // Never shut the socket down for writing when this duplicate ends: it is not the only one.
      allowHalfOpen: true,
    });
    socket.on('error', (error) => {
      if (this.#libuv === socket) this.#fail(error);
    });
    return socket;
  }

  /** Cancels libuv's unfinished writes and returns the bytes it had not written. */
  #takeBackInflight(): Buffer[] {
    const socket = this.#libuv;
    if (!socket || this.#inflightBytes === 0) return [];
    let unsent = unsentBytes(socket);
    this.#generation++;
    this.#libuv = undefined;
    socket.destroy();
    const inflight = this.#inflight;
    this.#inflight = [];
    this.#inflightBytes = 0;
    const rest: Buffer[] = [];
    for (let i = inflight.length - 1; i >= 0 && unsent > 0; i--) {
      const buffer = inflight[i] as Buffer;
      if (buffer.length <= unsent) {
        rest.unshift(buffer);
        unsent -= buffer.length;
      } else {
        rest.unshift(buffer.subarray(buffer.length - unsent));
        unsent = 0;
      }
    }
    return rest;
  }

  #settle(): void {
    if (this.pending > 0) return;
    this.#releaseSpare();
    unflushed.delete(this);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.#runOnEmpty();
  }

  /** Records a write failure, drops what is pending and settles waiters; returns what to throw. */
  #fail(error: unknown): Error {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && brokenCodes.has(code)) return this.#markBroken(error);
    const failure = toError(error);
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
      return new EOFError(
        broken.message,
        broken.cause === undefined ? {} : { cause: broken.cause },
      );
    return broken;
  }
}
