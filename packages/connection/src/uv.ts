/**
 * The few internals of Node's stream handles that connections rely on, in one place.
 *
 * Node offers no public way to read a socket synchronously, to choose the memory each read
 * lands in after the socket exists, or to take a connected socket out of a `net.Server` before
 * it reads anything. libuv's stream handle (`socket._handle`, a `Pipe` or `TCP` wrap) has
 * had these methods since Node 0.x; Node's own stdio and `net.Server` call them. Each use is
 * checked here, so a future Node that drops one fails loudly at the first connection rather
 * than corrupting data.
 */
import { Socket } from 'node:net';
import { ProcessError, closedError } from '@multiproc/serialize';

/** The parts of libuv's stream handle we call. */
export interface StreamHandle {
  readonly fd: number;
  reading: boolean;
  /** `uv_stream_set_blocking`: flips `O_NONBLOCK` on the file description. Returns 0 or an errno. */
  setBlocking(blocking: boolean): number;
  /** Makes the next read land in `buffer` (Node's `onread.buffer`, set from outside). */
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  /** `uv_stream_t.write_queue_size`: bytes of queued writes libuv has not written yet. */
  readonly writeQueueSize: number;
}

/** What a read callback receives: the number of bytes read into the current target. */
export type ReadCallback = (nread: number) => boolean;

function handleOf(socket: Socket): StreamHandle {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (!handle) throw closedError('the socket (it has no handle)');
  if (
    typeof handle.setBlocking !== 'function' ||
    typeof handle.useUserBuffer !== 'function' ||
    typeof handle.fd !== 'number'
  ) {
    throw new ProcessError(
      `this Node.js (${process.version}) lacks the stream handle methods multiproc connections need ` +
        '(setBlocking, useUserBuffer, fd); please report it with your Node version',
      'ERR_MP_UNSUPPORTED_NODE',
    );
  }
  return handle;
}

/**
 * Takes the OS handle out of a connected socket that has not read anything yet (a `net.Server`
 * connection accepted with `pauseOnConnect`, or a client socket paused before it connected),
 * leaving the shell destroyed without closing the handle. The server's connection count drops
 * as for any destroyed socket.
 */
export function detachHandle(shell: Socket): object {
  const holder = shell as unknown as { _handle: object | null };
  const handle = holder._handle;
  if (!handle) throw closedError('the socket (it has no handle to detach)');
  holder._handle = null;
  shell.destroy();
  return handle;
}

/** Options of `wrapHandle`. */
export interface WrapOptions {
  /** Where the next read should land; called after every read. */
  target: () => Uint8Array;
  /** Called with the number of bytes read into the last target; return false to stop reading. */
  onRead: ReadCallback;
}

/**
 * A `net.Socket` over an OS handle or a file descriptor that reads into memory we choose
 * (Node's `onread` option), half-open (so Node never closes the descriptor on its own when the
 * peer finishes), and paused.
 */
export function wrapHandle(
  source: { handle: object } | { fd: number },
  options: WrapOptions,
): Socket {
  const socket = new Socket({
    ...source,
    readable: true,
    writable: true,
    allowHalfOpen: true,
    onread: {
      buffer: options.target,
      callback: (nread: number) => options.onRead(nread),
    },
  } as unknown as ConstructorParameters<typeof Socket>[0]);
  socket.pause();
  handleOf(socket);
  return socket;
}

/** The socket's file descriptor. */
export function fdOf(socket: Socket): number {
  return handleOf(socket).fd;
}

/** Bytes the socket's pending writes have not put on the wire yet. */
export function unsentBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  const unsent = handle?.writeQueueSize;
  if (typeof unsent !== 'number') {
    throw new ProcessError(
      `this Node.js (${process.version}) does not report writeQueueSize on stream handles; please report it with your Node version`,
      'ERR_MP_UNSUPPORTED_NODE',
    );
  }
  return unsent;
}

/** Points the socket's next read at `buffer` (after reads done outside libuv moved our state). */
export function retarget(socket: Socket, buffer: Uint8Array): void {
  handleOf(socket).useUserBuffer(buffer);
}

/**
 * Runs `fn` with the descriptor in blocking mode, restoring non-blocking mode before returning.
 * libuv reads a readable descriptor until `EAGAIN`, so it must never find it blocking: nothing
 * here yields to the event loop, and `finally` restores the flag even when `fn` throws.
 */
export function whileBlocking<T>(socket: Socket, fn: (fd: number) => T): T {
  const handle = handleOf(socket);
  const err = handle.setBlocking(true);
  if (err)
    throw new ProcessError(`could not make the socket blocking (uv error ${err})`, 'ERR_MP_SOCKET');
  try {
    return fn(handle.fd);
  } finally {
    handle.setBlocking(false);
  }
}
