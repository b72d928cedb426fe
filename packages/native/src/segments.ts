/**
 * Shared memory segments (`csrc/shm.cc`): POSIX shm and memfd segments mapped as `SharedArrayBuffer`s.
 */
import { addon } from './addon.js';
import type { RawSegment } from './binding.js';
import { describe, invalid, checkInteger, checkFd } from './checks.js';

/**
 * The longest segment name, in UTF-8 bytes, this platform accepts (the name has no leading `/`):
 * 255 on Linux (`NAME_MAX`), 30 on macOS (`PSHMNAMLEN` is 31, leading slash included).
 */
export const MAX_SHM_NAME_BYTES = process.platform === 'darwin' ? 30 : 255;

/**
 * Checks a segment name and returns it: a non-empty string without `/` or NUL characters, at
 * most {@link MAX_SHM_NAME_BYTES} bytes. Throws a `TypeError` naming what is wrong.
 *
 * @example
 * ```ts
 * validateShmName('psm_1234'); // → 'psm_1234'
 * validateShmName('a/b');      // throws TypeError: name must not contain '/' …
 * ```
 */
export function validateShmName(name: unknown, path = 'name'): string {
  if (typeof name !== 'string') throw invalid(path, 'a string', name);
  if (name.length === 0) throw new TypeError(`${path} must not be empty`);
  if (name.includes('/')) {
    throw new TypeError(
      `${path} must not contain '/' (give the bare name, as in Python), got ${describe(name)}`,
    );
  }
  if (name.includes('\0')) throw new TypeError(`${path} must not contain NUL characters`);
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_SHM_NAME_BYTES) {
    throw new TypeError(
      `${path} is too long: ${bytes} bytes, the limit on ${process.platform} is ${MAX_SHM_NAME_BYTES}`,
    );
  }
  return name;
}

/**
 * Checks a segment size: a positive safe integer. Throws a `TypeError` (not an integer) or
 * `RangeError` (zero or negative) naming `path`.
 *
 * @example
 * ```ts
 * validateShmSize(4096); // → 4096
 * validateShmSize(0);    // throws RangeError: size must be a positive integer …
 * ```
 */
export function validateShmSize(size: unknown, path = 'size'): number {
  if (typeof size !== 'number' || !Number.isInteger(size))
    throw invalid(path, 'a positive integer', size);
  if (size <= 0 || size > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${path} must be a positive integer, got ${size}`);
  }
  return size;
}

/**
 * A mapped segment: its memory, the open descriptor and its size in bytes.
 *
 * @example
 * ```ts
 * const { buffer, fd, size }: ShmSegment = shmAttach('mp_demo');
 * ```
 */
export interface ShmSegment {
  /** The segment's memory. Unmapped when the last `SharedArrayBuffer` over it is collected. */
  readonly buffer: SharedArrayBuffer;
  /**
   * The open descriptor. It holds a shared `flock(2)`, which tells resource trackers of other
   * programs that the segment is in use. The mapping keeps the open file, and so the lock, alive
   * after the descriptor is closed: release with `flock(fd, 'unlock')`, then {@link closeFd}.
   */
  readonly fd: number;
  /** Size in bytes. */
  readonly size: number;
}

function segment(raw: RawSegment): ShmSegment {
  return Object.freeze({ buffer: raw.buffer, fd: raw.fd, size: raw.size });
}

/**
 * Creates a POSIX shared memory segment exclusively (fails with `EEXIST` if the name is taken),
 * sizes it (pages reserved up front on Linux, so a full `/dev/shm` fails here with `ENOSPC`
 * rather than with SIGBUS later) and maps it. On failure nothing is left behind.
 *
 * @example
 * ```ts
 * const seg = shmCreate('mp_demo', 4096);
 * new Int32Array(seg.buffer)[0] = 1;
 * ```
 */
export function shmCreate(name: string, size: number): ShmSegment {
  return segment(addon().shmCreate(validateShmName(name), validateShmSize(size)));
}

/**
 * Opens and maps an existing segment, whole. Fails with `ENOENT` if there is none by that name.
 *
 * @example
 * ```ts
 * const seg = shmAttach('mp_demo'); // seg.size === 4096
 * ```
 */
export function shmAttach(name: string): ShmSegment {
  return segment(addon().shmAttach(validateShmName(name)));
}

/**
 * Opens an existing segment by name without mapping or locking it, and returns the descriptor
 * (for `flock` checks). Fails with `ENOENT` if there is none by that name.
 *
 * @example
 * ```ts
 * const fd = shmOpen('mp_demo');
 * const unused = flock(fd, 'exclusive'); // false while another program holds it
 * ```
 */
export function shmOpen(name: string): number {
  return addon().shmOpen(validateShmName(name));
}

/**
 * Removes a segment's name; the memory lives on while mapped anywhere. Fails with `ENOENT` if
 * there is no segment by that name.
 *
 * @example
 * ```ts
 * shmUnlink('mp_demo');
 * ```
 */
export function shmUnlink(name: string): void {
  addon().shmUnlink(validateShmName(name));
}

/**
 * Creates an anonymous segment (Linux `memfd_create`) and returns its descriptor. It never
 * appears in `/dev/shm` and is freed when the last descriptor and mapping are gone, so no crash
 * can leak it. Hand it to a child through the `stdio` array of `child_process.spawn`/`fork`
 * (the descriptor is close-on-exec, so it reaches only children given it that way) and map it
 * there with {@link mapFd}. Throws `ENOSYS` where unsupported (macOS).
 *
 * @example
 * ```ts
 * const fd = memfdCreate('data', 1 << 20);
 * const sab = mapFd(fd);
 * fork('child.js', { stdio: ['inherit', 'inherit', 'inherit', 'ipc', fd] }); // fd 4 there
 * ```
 */
export function memfdCreate(name: string, size: number): number {
  if (typeof name !== 'string') throw invalid('name', 'a string', name);
  if (name.includes('\0') || Buffer.byteLength(name) > 249) {
    throw new TypeError('name must be at most 249 bytes without NUL characters');
  }
  return addon().memfdCreate(name, validateShmSize(size));
}

/**
 * Maps a descriptor of a shared memory object (a memfd, or a segment opened by name) as a
 * `SharedArrayBuffer`: the whole object, or its first `size` bytes.
 *
 * @example
 * ```ts
 * const sab = mapFd(4); // in a child that received a memfd as stdio[4]
 * ```
 */
export function mapFd(fd: number, size?: number): SharedArrayBuffer {
  return addon().mapFd(checkFd(fd), size === undefined ? undefined : validateShmSize(size));
}

/**
 * Copies `length` bytes from `source` (at `sourceOffset`) to `target` (at `targetOffset`) with
 * libc's `memmove`. Use it for bulk copies into or out of shared memory: V8 copies views of a
 * `SharedArrayBuffer` word by word with relaxed atomics (`TypedArray#set`, `Buffer#copy`),
 * measured ~20% slower on 64 MiB. Returns the number of bytes copied.
 *
 * @example
 * ```ts
 * copyBytes(new Uint8Array(shm.buf), 0, data, 0, data.byteLength);
 * ```
 */
export function copyBytes(
  target: ArrayBufferView,
  targetOffset: number,
  source: ArrayBufferView,
  sourceOffset: number,
  length: number,
): number {
  if (!ArrayBuffer.isView(target)) throw invalid('target', 'an ArrayBufferView', target);
  if (!ArrayBuffer.isView(source)) throw invalid('source', 'an ArrayBufferView', source);
  checkInteger(targetOffset, 'targetOffset', 0, target.byteLength);
  checkInteger(sourceOffset, 'sourceOffset', 0, source.byteLength);
  checkInteger(
    length,
    'length',
    0,
    Math.min(target.byteLength - targetOffset, source.byteLength - sourceOffset),
  );
  return addon().copyBytes(target, targetOffset, source, sourceOffset, length);
}
