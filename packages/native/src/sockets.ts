/**
 * Unix sockets (`csrc/socket.cc`): synchronous listen/connect for the resource tracker, socket pairs, waiting reads.
 */
import { addon } from './addon.js';
import { invalid, checkInteger, checkFd } from './checks.js';

/**
 * Creates a Unix stream socket listening at `path` and returns its descriptor (close-on-exec).
 *
 * @example
 * ```ts
 * const fd = unixListen(join(dir, 'tracker.sock'));
 * ```
 */
export function unixListen(path: string): number {
  if (typeof path !== 'string' || path.length === 0)
    throw invalid('path', 'a non-empty string', path);
  return addon().unixListen(path);
}

/**
 * Connects a blocking Unix stream socket to `path` and returns its descriptor (close-on-exec):
 * write to it with `fs.writeSync`.
 *
 * @example
 * ```ts
 * const fd = unixConnect(join(dir, 'tracker.sock'));
 * writeSync(fd, 'hello\n');
 * ```
 */
export function unixConnect(path: string): number {
  if (typeof path !== 'string' || path.length === 0)
    throw invalid('path', 'a non-empty string', path);
  return addon().unixConnect(path);
}

/**
 * Two connected Unix stream sockets (`socketpair(AF_UNIX, SOCK_STREAM)`), close-on-exec. Each
 * fd can be wrapped with `new net.Socket({ fd })` or handed to a child at spawn. Node has no
 * socketpair of its own, and `Pipe()` must return two connected ends synchronously.
 *
 * @example
 * ```ts
 * const [a, b] = socketpair();
 * const left = new net.Socket({ fd: a, readable: true, writable: true });
 * ```
 */
export function socketpair(): [number, number] {
  return addon().socketpair();
}

/**
 * Reads from a descriptor into `target[offset, offset + length)`, waiting until at least one
 * byte (or end of file) is there: first by retrying a non-blocking read for up to `spinMicros`
 * microseconds, then by sleeping in `poll(2)`. Returns the number of bytes read, 0 at end of
 * file. The descriptor's blocking flag is left alone, so this suits sockets libuv also reads.
 *
 * Why spin: a reader asleep in the kernel costs its peer a wake-up (10-30 µs on a VM) per
 * message; a reader still spinning when the answer comes takes it in under a microsecond. The
 * spin is bounded, so an idle reader burns at most `spinMicros` of CPU before it sleeps.
 *
 * @example
 * ```ts
 * const buf = Buffer.alloc(65536);
 * const n = readWait(fd, buf, 0, buf.length, 50); // 0 → the peer closed
 * ```
 */
export function readWait(
  fd: number,
  target: ArrayBufferView,
  offset: number,
  length: number,
  spinMicros: number,
): number {
  checkFd(fd);
  if (!ArrayBuffer.isView(target)) throw invalid('target', 'an ArrayBufferView', target);
  checkInteger(offset, 'offset', 0, target.byteLength);
  checkInteger(length, 'length', 1, target.byteLength - offset);
  checkInteger(spinMicros, 'spinMicros', 0, 1_000_000);
  return addon().readWait(fd, target, offset, length, spinMicros);
}
