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
export { NativeLoadError, type AddonOrigin } from './load.js';
export type { FutexWaitResult } from './binding.js';
export { addonOrigin } from './addon.js';
export {
  copyBytes,
  mapFd,
  MAX_SHM_NAME_BYTES,
  memfdCreate,
  shmAttach,
  shmCreate,
  shmOpen,
  shmUnlink,
  validateShmName,
  validateShmSize,
  type ShmSegment,
} from './segments.js';
export { closeFd, dupFd, flock, setCloexec, type FlockOptions } from './fds.js';
export {
  futexWait,
  futexWaitSync,
  futexWake,
  isWaitLimitError,
  pendingFutexWaits,
  type FutexWaitOptions,
} from './futexes.js';
export { isProcessAlive, processSlot, setParentDeathSignal } from './process.js';
export { readWait, socketpair, unixConnect, unixListen } from './sockets.js';
export { keepWarm, spinMicros, yieldCpu } from './warm.js';
export { allocBody, bodyCacheBytes } from './body.js';
export {
  MultiprocError,
  brandErrorClass,
  describeValue,
  invalidArgument,
  toError,
  type MultiprocErrorOptions,
} from './errors.js';
export {
  MAX_TIMER_DELAY,
  checkTimeout,
  setLongTimeout,
  optionsDeadline,
  type LongTimer,
} from './timeout.js';
