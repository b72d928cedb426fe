/**
 * File descriptors (`csrc/fd.cc`): close, duplicate, lock, close-on-exec.
 */
import { addon } from './addon.js';
import { invalid, checkFd } from './checks.js';

/**
 * Closes a descriptor returned by this package (mappings stay valid).
 *
 * @example
 * ```ts
 * closeFd(seg.fd);
 * ```
 */
export function closeFd(fd: number): void {
  addon().closeFd(checkFd(fd));
}

/**
 * A new descriptor for the same open file or socket (`F_DUPFD_CLOEXEC`). A thread handed a
 * descriptor by another thread of the process dups it, so the sender closing its own copy cannot
 * pull it from under the receiver.
 *
 * @example
 * ```ts
 * const mine = dupFd(theirs); // close(theirs) no longer affects `mine`
 * ```
 */
export function dupFd(fd: number): number {
  return addon().dupFd(checkFd(fd));
}

/**
 * Options of {@link flock}.
 *
 * @example
 * ```ts
 * flock(fd, 'shared', { wait: true });
 * ```
 */
export interface FlockOptions {
  /**
   * Block until the lock is granted; otherwise return `false` at once when it is held elsewhere.
   * @default false
   */
  wait?: boolean;
}

/**
 * `flock(2)` on a descriptor: take a shared or exclusive lock, or release it. Converting a held
 * shared lock to exclusive succeeds only when no other open file holds a lock.
 *
 * @example
 * ```ts
 * if (flock(seg.fd, 'exclusive')) shmUnlink(name); // nobody else holds it
 * ```
 */
export function flock(
  fd: number,
  mode: 'shared' | 'exclusive' | 'unlock',
  options: FlockOptions = {},
): boolean {
  if (mode !== 'shared' && mode !== 'exclusive' && mode !== 'unlock') {
    throw invalid('mode', "'shared', 'exclusive' or 'unlock'", mode);
  }
  return addon().flock(checkFd(fd), mode, options.wait === true);
}

/**
 * Sets or clears close-on-exec on a descriptor (whether exec'd children inherit it).
 *
 * @example
 * ```ts
 * setCloexec(4, true); // a descriptor inherited at spawn stays in this process only
 * ```
 */
export function setCloexec(fd: number, on: boolean): void {
  addon().setCloexec(checkFd(fd), on === true);
}
