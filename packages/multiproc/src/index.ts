/**
 * `multiproc`: Python's `multiprocessing` for Node.js and TypeScript.
 *
 * Every name is a named export and a property of the default export, so code reads like
 * Python's `multiprocessing.X`:
 *
 * ```ts
 * import mp from 'multiproc';
 * const p = new mp.Process({ target: work, args: [1] });
 * ```
 *
 * This package only re-exports; each name lives in the package that owns it.
 *
 * @packageDocumentation
 */
import {
  AbortError,
  AuthenticationError,
  BrokenBarrierError,
  BufferTooShort,
  EOFError,
  Empty,
  Full,
  MultiprocError,
  ProcessError,
  RemoteError,
  TimeoutError,
  WorkerLostError,
  taskRef,
} from '@multiproc/serialize';
import {
  Process,
  activeChildren,
  cpuCount,
  currentProcess,
  getAllStartMethods,
  getStartMethod,
  isMainProcess,
  parentProcess,
  setStartMethod,
} from '@multiproc/process';
import { AsyncResult, IMapIterator, Pool, ThreadPool } from '@multiproc/pool';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  FileLock,
  Lock,
  LockGuard,
  RLock,
  Semaphore,
} from '@multiproc/synchronize';
import { RawArray, RawValue, SharedArray, Value } from '@multiproc/sharedctypes';
import {
  Client,
  Connection,
  Listener,
  Pipe,
  answerChallenge,
  deliverChallenge,
  wait,
} from '@multiproc/connection';
import { SharedMemory, ShareableList } from '@multiproc/shared-memory';
import { getContext, registerFacade, type Context } from './context.js';

export {
  AbortError,
  AuthenticationError,
  BrokenBarrierError,
  BufferTooShort,
  EOFError,
  Empty,
  Full,
  MultiprocError,
  ProcessError,
  RemoteError,
  TimeoutError,
  WorkerLostError,
  taskRef,
  Process,
  activeChildren,
  cpuCount,
  currentProcess,
  getAllStartMethods,
  getContext,
  getStartMethod,
  isMainProcess,
  parentProcess,
  setStartMethod,
  Pool,
  ThreadPool,
  AsyncResult,
  IMapIterator,
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  FileLock,
  Lock,
  LockGuard,
  RLock,
  Semaphore,
  RawArray,
  RawValue,
  SharedArray,
  Value,
  Client,
  Connection,
  Listener,
  Pipe,
  answerChallenge,
  deliverChallenge,
  wait,
  SharedMemory,
  ShareableList,
};
export type { TaskRef } from '@multiproc/serialize';
export type {
  CurrentProcess,
  ParentProcess,
  ProcessOptions,
  StartMethod,
  Target,
} from '@multiproc/process';
export type {
  ApplyAsyncOptions,
  IMapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  PoolTask,
  TaskOptions,
} from '@multiproc/pool';
export type {
  AcquireOptions,
  BarrierOptions,
  ConditionOptions,
  FileLockOptions,
  Predicate,
} from '@multiproc/synchronize';
export type {
  ElementOf,
  LockOption,
  SynchronizedOptions,
  Typecode,
  ViewOf,
} from '@multiproc/sharedctypes';
export type {
  Address,
  AuthKey,
  BytesLike,
  ClientOptions,
  Family,
  ListenerOptions,
  Waitable,
} from '@multiproc/connection';
export type { Context } from './context.js';

/**
 * The whole API as one object, like Python's `multiprocessing` module. `mp.Array` is
 * `SharedArray` (a named export called `Array` would shadow the global).
 *
 * @example
 * ```ts
 * import mp from 'multiproc';
 * console.log(mp.cpuCount(), mp.currentProcess().name);
 * ```
 */
const multiproc = {
  AbortError,
  AuthenticationError,
  BrokenBarrierError,
  BufferTooShort,
  EOFError,
  Empty,
  Full,
  MultiprocError,
  ProcessError,
  RemoteError,
  TimeoutError,
  WorkerLostError,
  taskRef,
  Process,
  activeChildren,
  cpuCount,
  currentProcess,
  getAllStartMethods,
  getContext,
  getStartMethod,
  isMainProcess,
  parentProcess,
  setStartMethod,
  Pool,
  ThreadPool,
  AsyncResult,
  IMapIterator,
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  FileLock,
  Lock,
  LockGuard,
  RLock,
  Semaphore,
  RawArray,
  RawValue,
  SharedArray,
  Array: SharedArray,
  Value,
  Client,
  Connection,
  Listener,
  Pipe,
  answerChallenge,
  deliverChallenge,
  wait,
  SharedMemory,
  ShareableList,
} as const;

registerFacade(multiproc);

export default multiproc;
/**
 * The type of the default export: every named export as a property, so code reads like Python's
 * `multiprocessing.X`.
 *
 * @example
 * ```ts
 * import mp, { type Multiproc } from 'multiproc';
 * const api: Multiproc = mp;
 * const lock = new api.Lock();
 * ```
 */
export type Multiproc = typeof multiproc & {
  /** A context: the facade's constructors bound to one start method (`'spawn'` or `'thread'`). */
  getContext(method?: string | null): Context;
};
