/**
 * `@multiproc/synchronize`: Python's `multiprocessing` synchronization primitives in shared
 * memory — `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition`, `Event`, `Barrier` —
 * working across processes, across threads of the `thread` context, and across a mix; and
 * `FileLock`, a lock between unrelated programs.
 *
 * @packageDocumentation
 */
export { Lock, RLock, LockBase } from './lock.js';
export { LockGuard } from './guard.js';
export { Semaphore, BoundedSemaphore, SemaphoreBase } from './semaphore.js';
export { Event } from './event.js';
export { Condition, type ConditionOptions, type Predicate } from './condition.js';
export { Barrier, type BarrierOptions } from './barrier.js';
export type { AcquireOptions } from './wait.js';
export { BrokenBarrierError, TimeoutError } from '@multiproc/serialize';
export { FileLock, type FileLockOptions } from './file-lock.js';
