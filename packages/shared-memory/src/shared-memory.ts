/**
 * `SharedMemory`: a named POSIX shared memory segment (or an anonymous memfd one), as in Python's
 * `multiprocessing.shared_memory`, whose `buf` is a real `SharedArrayBuffer`.
 */
import { randomBytes } from 'node:crypto';
import {
  closeFd,
  copyBytes,
  flock,
  mapFd,
  memfdCreate,
  shmAttach,
  shmCreate,
  shmUnlink,
  validateShmName,
  validateShmSize,
} from '@multiproc/native';
import {
  ProcessError,
  closedError,
  invalidArgument,
  registerShareable,
} from '@multiproc/serialize';
import { track, untrack } from './tracker/client.js';

/**
 * Options of `new SharedMemory()`, as in Python's `SharedMemory(name=None, create=False, size=0)`.
 *
 * @example
 * ```ts
 * new SharedMemory({ create: true, size: 4096, name: 'my_segment' });
 * ```
 */
export interface SharedMemoryOptions {
  /**
   * The segment's name, without a leading `/` (at most 255 bytes on Linux, 30 on macOS).
   * Required to attach; when creating, a unique `mp_…` name is chosen if omitted.
   */
  name?: string;
  /**
   * Create a new segment (fails if the name is taken) instead of attaching to an existing one.
   * @default false
   */
  create?: boolean;
  /**
   * Size in bytes: a positive integer when creating. Ignored when attaching (the whole segment is
   * mapped), as in Python.
   * @default 0
   */
  size?: number;
}

type State = 'open' | 'closed';

/** What `fromFd` hands the constructor: an anonymous segment, already mapped. */
class Anonymous {
  constructor(
    readonly fd: number,
    readonly buf: SharedArrayBuffer,
    readonly label: string,
  ) {}
}

// 12 random hex digits drawn once per thread, then a counter: as unlikely to collide as fresh
// random bytes each time (Python's `psm_` + 8), without ~5 µs of randomBytes per segment.
const namePrefix = randomBytes(6).toString('hex');
let nameCounter = 0;

/**
 * Makes a fresh segment name: `mp_` + 12 random hex digits (fixed per thread) + a counter.
 *
 * @example
 * ```ts
 * freshSegmentName(); // → 'mp_3f9c0a12be4d0'
 * ```
 */
export function freshSegmentName(prefix = 'mp_'): string {
  return prefix + namePrefix + (nameCounter++).toString(36);
}

/** Checks an offset: an integer from 0 to `max`, or a RangeError naming what was expected. */
function checkRange(path: string, value: unknown, max: number, expectation: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidArgument(path, 'an integer', value);
  }
  if (value < 0 || value > max) {
    throw new RangeError(`${path} must be from 0 for ${expectation}, got ${value}`);
  }
}

function systemError(error: unknown, name: string, action: string): Error {
  const code = (error as { code?: string }).code;
  const message =
    code === 'ENOENT'
      ? `no shared memory segment named ${JSON.stringify(name)} exists`
      : code === 'EEXIST'
        ? `a shared memory segment named ${JSON.stringify(name)} already exists`
        : `could not ${action} shared memory segment ${JSON.stringify(name)}: ${(error as Error).message}`;
  return Object.assign(new Error(message, { cause: error }), { code });
}

/**
 * A block of memory shared between processes (and threads), named so that any process can attach
 * to it. `buf` is a `SharedArrayBuffer`: typed arrays over it see each other's writes, and
 * `Atomics` work across processes.
 *
 * Segments created by a program are unlinked at the latest when the whole program has ended, even
 * when every process was SIGKILLed (the resource tracker); call `unlink()` to remove one earlier.
 * Sending a `SharedMemory` to another process (a Process argument, a queue item…) sends its name;
 * the receiver attaches to the same memory.
 *
 * `close()` releases this object's descriptor; the memory stays mapped until the `buf` and every
 * view over it are garbage collected (a `SharedArrayBuffer` cannot be detached).
 *
 * @example
 * ```ts
 * const shm = new SharedMemory({ create: true, size: 1024 });
 * new Uint8Array(shm.buf).set([1, 2, 3]);
 * // in another process:
 * const other = new SharedMemory({ name: shm.name });
 * new Uint8Array(other.buf)[0]; // → 1
 * other.close();
 * shm.close();
 * shm.unlink();
 * ```
 */
export class SharedMemory {
  #name: string;
  #size: number;
  #buf: SharedArrayBuffer | undefined;
  #fd: number;
  #anonymous: boolean;
  #state: State = 'open';
  #unlinked = false;

  constructor(options?: SharedMemoryOptions);
  constructor(options: SharedMemoryOptions | Anonymous = {}) {
    if (options instanceof Anonymous) {
      const adopt = options;
      this.#name = `memfd:${adopt.label}`;
      this.#buf = adopt.buf;
      this.#fd = adopt.fd;
      this.#size = adopt.buf.byteLength;
      this.#anonymous = true;
      this.#unlinked = true;
      return;
    }
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument('options', 'an object', options);
    }
    const create = options.create ?? false;
    if (typeof create !== 'boolean') throw invalidArgument('options.create', 'a boolean', create);
    let name: string;
    if (create) {
      name =
        options.name === undefined
          ? freshSegmentName()
          : validateShmName(options.name, 'options.name');
      validateShmSize(options.size ?? 0, 'options.size');
    } else {
      if (options.name === undefined) {
        throw new TypeError(
          'options.name is required to attach to an existing segment (or pass create: true)',
        );
      }
      name = validateShmName(options.name, 'options.name');
      const size = options.size ?? 0;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
        throw invalidArgument('options.size', 'a non-negative integer', size);
      }
    }
    this.#name = name;
    this.#anonymous = false;
    if (create) {
      // Registered before it exists, so a SIGKILL right after creation cannot leak it.
      track('own', name, true);
      let segment;
      try {
        segment = shmCreate(name, options.size!);
      } catch (error) {
        track('forget', name);
        throw systemError(error, name, 'create');
      }
      this.#buf = segment.buffer;
      this.#fd = segment.fd;
      this.#size = segment.size;
    } else {
      let segment;
      try {
        segment = shmAttach(name);
      } catch (error) {
        throw systemError(error, name, 'attach to');
      }
      track('hold', name);
      this.#buf = segment.buffer;
      this.#fd = segment.fd;
      this.#size = segment.size;
    }
  }

  /**
   * Creates an anonymous segment (Linux `memfd_create`): it has no name in `/dev/shm` and is
   * freed by the kernel when the last process holding it exits, so nothing can leak. It reaches
   * other processes only as a descriptor passed at spawn (`anonymousFd`); `unlink()` is a no-op.
   *
   * @example
   * ```ts
   * const shm = SharedMemory.anonymous(1 << 20);
   * fork('child.js', { stdio: ['inherit', 'inherit', 'inherit', 'ipc', shm.anonymousFd!] });
   * // child: SharedMemory.fromFd(4)
   * ```
   */
  static anonymous(size: number, label = 'multiproc'): SharedMemory {
    validateShmSize(size);
    const fd = memfdCreate(label, size);
    try {
      return SharedMemory.fromFd(fd, size, label);
    } catch (error) {
      closeFd(fd);
      throw error;
    }
  }

  /**
   * Wraps a descriptor of an anonymous segment received from another process (e.g. `stdio[4]`
   * of a spawned child), mapping all of it or its first `size` bytes. Takes ownership of `fd`.
   *
   * @example
   * ```ts
   * const shm = SharedMemory.fromFd(4);
   * ```
   */
  static fromFd(fd: number, size?: number, label = 'multiproc'): SharedMemory {
    const anonymous = new Anonymous(fd, mapFd(fd, size), label);
    return new (SharedMemory as new (source: Anonymous) => SharedMemory)(anonymous);
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw closedError(`SharedMemory ${JSON.stringify(this.#name)}`);
  }

  /** The segment's memory. Throws after `close()`. */
  get buf(): SharedArrayBuffer {
    this.#assertOpen();
    return this.#buf!;
  }

  /**
   * Copies `source` into the segment at byte `offset`, at `memcpy` speed (V8's own copies into a
   * `SharedArrayBuffer` go word by word, ~20% slower on large data). Returns the bytes copied.
   *
   * @example
   * ```ts
   * shm.write(Buffer.from('hello'), 16);
   * ```
   */
  write(source: ArrayBufferView, offset = 0): number {
    this.#assertOpen();
    if (!ArrayBuffer.isView(source))
      throw invalidArgument('source', 'a Buffer, typed array or DataView', source);
    checkRange(
      'offset',
      offset,
      this.#size - source.byteLength,
      `the ${source.byteLength} bytes to fit in ${this.#size}`,
    );
    return copyBytes(new Uint8Array(this.#buf!), offset, source, 0, source.byteLength);
  }

  /**
   * Copies bytes of the segment, from byte `offset`, into `target` (as many as fit, up to the
   * segment's end), at `memcpy` speed. Returns the bytes copied.
   *
   * @example
   * ```ts
   * const head = Buffer.alloc(16);
   * shm.read(head); // the first 16 bytes
   * ```
   */
  read(target: ArrayBufferView, offset = 0): number {
    this.#assertOpen();
    if (!ArrayBuffer.isView(target))
      throw invalidArgument('target', 'a Buffer, typed array or DataView', target);
    checkRange('offset', offset, this.#size, `at most the size, ${this.#size}`);
    const length = Math.min(target.byteLength, this.#size - offset);
    return copyBytes(target, 0, new Uint8Array(this.#buf!), offset, length);
  }

  /** The segment's name (without a leading `/`); `memfd:<label>` for an anonymous segment. */
  get name(): string {
    return this.#name;
  }

  /** Size in bytes. */
  get size(): number {
    return this.#size;
  }

  /** Whether this is an anonymous (memfd) segment, which has no name to attach by. */
  get anonymous(): boolean {
    return this.#anonymous;
  }

  /** The descriptor of an anonymous segment, to pass to a child at spawn; `undefined` otherwise or once closed. */
  get anonymousFd(): number | undefined {
    return this.#anonymous && this.#state === 'open' ? this.#fd : undefined;
  }

  /**
   * Releases this object's hold on the segment (idempotent). The segment itself lives on until
   * unlinked; `buf` stays valid for views already taken, but `shm.buf` throws from now on.
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#buf = undefined;
    // The mapping would keep the lock alive until garbage collection; other programs' trackers
    // may unlink the segment as soon as we are done with it.
    if (!this.#anonymous) flock(this.#fd, 'unlock');
    closeFd(this.#fd);
    if (!this.#anonymous) untrack(this.#name);
  }

  /**
   * Removes the segment's name so no one else can attach; memory already mapped stays valid.
   * Call it once, from one process (as in Python). Throws (code `ENOENT`) if the segment was
   * already unlinked elsewhere; a second call on this object does nothing.
   */
  unlink(): void {
    if (this.#unlinked) return;
    try {
      shmUnlink(this.#name);
    } catch (error) {
      throw systemError(error, this.#name, 'unlink');
    } finally {
      this.#unlinked = true;
      track('forget', this.#name);
    }
  }

  /** Same as `close()`, for `using shm = new SharedMemory(…)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  toString(): string {
    return `SharedMemory(${JSON.stringify(this.#name)}, size=${this.#size})`;
  }
}

interface SharedMemoryHandle {
  name?: string;
  fd?: number;
  size: number;
}

registerShareable<SharedMemory>({
  name: 'multiproc.SharedMemory',
  Class: SharedMemory,
  module: import.meta.url,
  toHandle(shm, context): SharedMemoryHandle {
    if (!shm.anonymous) return { name: shm.name, size: shm.size };
    const fd = shm.anonymousFd;
    if (fd === undefined)
      throw new ProcessError(
        `SharedMemory ${JSON.stringify(shm.name)} is closed and cannot be sent`,
        'ERR_MP_CLOSED',
      );
    return { fd: context.transfer({ kind: 'fd', fd }), size: shm.size };
  },
  fromHandle(data, context): SharedMemory {
    const handle = data as SharedMemoryHandle;
    if (handle.name !== undefined) return new SharedMemory({ name: handle.name });
    const received = context.handles[handle.fd!] as number | { fd: number } | undefined;
    const fd = typeof received === 'number' ? received : received?.fd;
    if (fd === undefined)
      throw new ProcessError(
        'an anonymous SharedMemory arrived without its descriptor',
        'ERR_MP_NO_HANDLE',
      );
    return SharedMemory.fromFd(fd, handle.size);
  },
});
