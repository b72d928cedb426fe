/**
 * `@multiproc/native`: the only native code of multiproc. POSIX shared memory segments and memfd
 * segments exposed as real `SharedArrayBuffer`s (so `Atomics` work across processes),
 * cross-process futex wait/wake, and a few process primitives.
 *
 * Every function validates its arguments in JavaScript first and throws a `TypeError` or
 * `RangeError` naming the argument; system call failures arrive as Node-style errors with `code`
 * (`ENOENT`, `EEXIST` …), `errno`, `syscall` and `path`. The addon is loaded on first use; a
 * failed load throws a {@link NativeLoadError} that lists what was tried and how to fix it.
 *
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Binding, FutexWaitResult, RawSegment } from './binding.js';
import { describeValue, invalidArgument } from './errors.js';
import { loadAddon, type AddonOrigin } from './load.js';
import { checkTimeout } from './timeout.js';

export { NativeLoadError, type AddonOrigin } from './load.js';
export {
  MultiprocError,
  brandErrorClass,
  describeValue,
  invalidArgument,
  type MultiprocErrorOptions,
} from './errors.js';
export { MAX_TIMER_DELAY, checkTimeout, setLongTimeout, type LongTimer } from './timeout.js';
export type { FutexWaitResult } from './binding.js';

let loaded: { binding: Binding; origin: AddonOrigin } | undefined;

function addon(): Binding {
  loaded ??= loadAddon();
  return loaded.binding;
}

/**
 * Loads the addon now (it otherwise loads on first use) and tells where it came from.
 *
 * @example
 * ```ts
 * addonOrigin(); // → { path: '…/prebuilds/linux-x64/…node', kind: 'prebuild' }
 * ```
 */
export function addonOrigin(): AddonOrigin {
  addon();
  return loaded!.origin;
}

// ---------------------------------------------------------------------------------------------
// Argument checks

function checkInteger(
  value: unknown,
  path: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidArgument(path, 'an integer', value);
  if (value < min || value > max) {
    throw new RangeError(`${path} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function checkFd(fd: unknown): number {
  return checkInteger(fd, 'fd', 0, 0x7fffffff);
}

function checkWord(view: unknown, index: unknown): void {
  if (!(view instanceof Int32Array)) throw invalidArgument('view', 'an Int32Array', view);
  checkInteger(index, 'index', 0, view.length - 1);
}

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
  if (typeof name !== 'string') throw invalidArgument(path, 'a string', name);
  if (name.length === 0) throw new TypeError(`${path} must not be empty`);
  if (name.includes('/')) {
    throw new TypeError(
      `${path} must not contain '/' (give the bare name, as in Python), got ${describeValue(name)}`,
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
    throw invalidArgument(path, 'a positive integer', size);
  if (size <= 0 || size > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${path} must be a positive integer, got ${size}`);
  }
  return size;
}

// ---------------------------------------------------------------------------------------------
// Shared memory

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
  if (typeof name !== 'string') throw invalidArgument('name', 'a string', name);
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
  if (!ArrayBuffer.isView(target)) throw invalidArgument('target', 'an ArrayBufferView', target);
  if (!ArrayBuffer.isView(source)) throw invalidArgument('source', 'an ArrayBufferView', source);
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
    throw invalidArgument('mode', "'shared', 'exclusive' or 'unlock'", mode);
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

// ---------------------------------------------------------------------------------------------
// Futex

/**
 * Blocks the calling thread while `view[index] === expected`, until woken by {@link futexWake}
 * from any process or thread, or until `timeout` ms pass (`undefined`: no limit; `0`: only
 * compare). Returns `'ok'` (woken; spurious wake-ups are possible, so re-check the word),
 * `'not-equal'` (the word differed) or `'timed-out'` (after at least `timeout` ms). `view` must
 * be over shared memory mapped by this package for cross-process use. Never mix with
 * `Atomics.wait` on one word: V8 keeps those waiters per process.
 *
 * @example
 * ```ts
 * const word = new Int32Array(seg.buffer);
 * while (Atomics.load(word, 0) === 0) futexWaitSync(word, 0, 0, 1000);
 * ```
 */
export function futexWaitSync(
  view: Int32Array,
  index: number,
  expected: number,
  timeout?: number,
): FutexWaitResult {
  checkWord(view, index);
  return addon().futexWaitSync(view, index, expected | 0, checkTimeout(timeout));
}

/**
 * The asynchronous {@link futexWaitSync}: resolves to the same results without blocking the event
 * loop. The wait runs on one of the addon's own waiter threads (reused, at most 1024 pending per
 * thread of JavaScript), never on libuv's threadpool. A pending wait keeps Node alive, like any
 * pending I/O; with no pending wait the addon holds nothing that does.
 *
 * @example
 * ```ts
 * const result = await futexWait(word, 0, 0, 500); // 'ok' | 'not-equal' | 'timed-out'
 * ```
 */
export async function futexWait(
  view: Int32Array,
  index: number,
  expected: number,
  timeout?: number,
): Promise<FutexWaitResult> {
  checkWord(view, index);
  return addon().futexWait(view, index, expected | 0, checkTimeout(timeout));
}

/**
 * Wakes up to `count` waiters (any process or thread) blocked on `view[index]`; returns how many
 * were woken. `count` may be `Infinity`. (On macOS the count is not reported: 1 if any.)
 *
 * @example
 * ```ts
 * Atomics.store(word, 0, 1);
 * futexWake(word, 0, Infinity);
 * ```
 */
export function futexWake(view: Int32Array, index: number, count = 1): number {
  checkWord(view, index);
  if (count !== Infinity) checkInteger(count, 'count', 0, 0x7fffffff);
  return addon().futexWake(view, index, count);
}

/**
 * How many async waits of the calling thread are pending.
 *
 * @example
 * ```ts
 * pendingFutexWaits(); // → 0 when nothing keeps the event loop alive
 * ```
 */
export function pendingFutexWaits(): number {
  return addon().pendingWaits();
}

// ---------------------------------------------------------------------------------------------
// Processes

/**
 * Whether a process with this pid exists and has not exited (an exited but unreaped zombie
 * counts as dead). A process of another user counts as alive.
 *
 * @example
 * ```ts
 * isProcessAlive(process.pid); // → true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  return addon().isProcessAlive(checkInteger(pid, 'pid', 1, 0x7fffffff));
}

/**
 * Asks the kernel to send `signal` to this process when its parent dies (Linux
 * `prctl(PR_SET_PDEATHSIG)`), so a busy child does not outlive a SIGKILLed parent. Returns
 * `false` where unsupported. Linux counts the parent *thread* that spawned us: spawn from the main
 * thread, not from a worker_thread that may exit first.
 *
 * @example
 * ```ts
 * setParentDeathSignal('SIGKILL');
 * ```
 */
export function setParentDeathSignal(signal: NodeJS.Signals | number): boolean {
  const number = typeof signal === 'string' ? constants.signals[signal] : signal;
  if (number === undefined) throw invalidArgument('signal', 'a signal name or number', signal);
  return addon().setParentDeathSignal(checkInteger(number, 'signal', 1, 64));
}

/**
 * A process-wide value shared by every thread of this process (each worker_thread otherwise has
 * its own globals and its own copy of `process.env`). With `value`, sets the slot only if it is
 * still empty; returns the slot's value after the call, so concurrent threads agree on the first.
 *
 * @example
 * ```ts
 * const winner = processSlot('tracker', `${path}\n${fd}`); // the first thread's value
 * ```
 */
export function processSlot(key: string, value?: string): string | undefined {
  if (typeof key !== 'string') throw invalidArgument('key', 'a string', key);
  if (value !== undefined && typeof value !== 'string')
    throw invalidArgument('value', 'a string', value);
  return addon().processSlot(key, value);
}

// ---------------------------------------------------------------------------------------------
// Unix sockets (synchronous), for the resource tracker

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
    throw invalidArgument('path', 'a non-empty string', path);
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
    throw invalidArgument('path', 'a non-empty string', path);
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
  if (!ArrayBuffer.isView(target)) throw invalidArgument('target', 'an ArrayBufferView', target);
  checkInteger(offset, 'offset', 0, target.byteLength);
  checkInteger(length, 'length', 1, target.byteLength - offset);
  checkInteger(spinMicros, 'spinMicros', 0, 1_000_000);
  return addon().readWait(fd, target, offset, length, spinMicros);
}

function readSpinSetting(): number {
  const raw = process.env['MULTIPROC_SPIN_US'];
  if (raw === undefined || raw === '') return 50;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw new RangeError(
      `MULTIPROC_SPIN_US must be an integer number of microseconds from 0 to 1000000, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * How long, in microseconds, multiproc busy-waits before it lets a waiting thread sleep: the
 * spin of `recvSync()` and the {@link keepWarm} window of async waits. 50 by default (the figure
 * Linux documents for socket busy polling); set the environment variable `MULTIPROC_SPIN_US`
 * (0 turns spinning off) before the process starts. Children inherit it with the environment.
 *
 * @example
 * ```ts
 * readWait(fd, buf, 0, buf.length, spinMicros);
 * ```
 */
export const spinMicros: number = readSpinSetting();

/**
 * Keeps this process's CPUs from going idle for the next `micros` microseconds (default
 * {@link spinMicros}), so that a reply arriving meanwhile wakes its reader without the cost of
 * an idle CPU's wake-up (25-40 µs on a VM, most of a small message's round trip).
 *
 * An event loop that awaits a reply cannot spin itself, so one helper thread per process spins
 * for it at nice 19: against a normal thread it gets ~1.5% of a CPU, and a woken thread
 * preempts it at once. Call it just before awaiting something another process will answer
 * soon; calls extend one shared deadline, after which the thread sleeps until the next call.
 *
 * @example
 * ```ts
 * keepWarm(); // the reply to what we just sent is expected within ~50 µs
 * const reply = await conn.recv();
 * ```
 */
export function keepWarm(micros: number = spinMicros): void {
  if (micros === 0) return;
  // The default (every receive and dispatch passes it) was checked when the module loaded.
  if (micros !== spinMicros) checkInteger(micros, 'micros', 0, 1_000_000);
  addon().keepWarm(micros);
}

/**
 * Memory for one large received message: a `Buffer` of exactly `size` bytes (contents
 * unspecified, like `Buffer.allocUnsafe`), or `undefined` below 256 KiB, where `allocUnsafe`
 * does as well. When the buffer is garbage-collected its pages are kept, up to 64 MiB per
 * process, for the next large message (the most recently dropped first): a fresh mapping costs
 * one page fault per 4 KiB as the kernel copies into it, about half of the time of receiving
 * 1 MiB messages on a VM. Pages left unused for a second are marked `MADV_FREE`, so the kernel
 * may reclaim them under memory pressure; a new mapping of up to 64 MiB is populated at once.
 *
 * @example
 * ```ts
 * const body = allocBody(length) ?? Buffer.allocUnsafe(length);
 * ```
 */
export function allocBody(size: number): Buffer | undefined {
  checkInteger(size, 'size', 0);
  const memory = addon().allocBody(size);
  return memory === undefined ? undefined : Buffer.from(memory);
}

/**
 * Bytes of collected {@link allocBody} buffers kept for reuse in this process (at most 64 MiB).
 *
 * @example
 * ```ts
 * console.log(bodyCacheBytes()); // 0 until a large received message has been collected
 * ```
 */
export function bodyCacheBytes(): number {
  return addon().bodyCacheBytes();
}
