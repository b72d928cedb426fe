/**
 * The referent classes a `SyncManager` registers, by the names they travel under when a server
 * starts in its own process (a frame names a built-in only by this name, never by a module).
 */
import { AsyncQueue } from './referent-queue.js';
import { PoolReferent } from './referent-pool.js';
import { SegmentTracker } from './referent-segments.js';
import {
  BarrierReferent,
  BoundedSemaphoreReferent,
  ConditionReferent,
  EventReferent,
  LockReferent,
  RLockReferent,
  SemaphoreReferent,
} from './referent-sync.js';
import {
  ArrayReferent,
  DictReferent,
  ListReferent,
  NamespaceReferent,
  SetReferent,
  ValueReferent,
} from './referents.js';

/** A queue that `JoinableQueue()` serves (the same FIFO; the proxy adds taskDone/join). */
export class JoinableAsyncQueue<T = unknown> extends AsyncQueue<T> {}

/** The referent classes a `SyncManager` serves, by typeid. */
export const syncReferents: ReadonlyMap<string, new (...args: never[]) => unknown> = new Map<
  string,
  new (...args: never[]) => unknown
>([
  ['dict', DictReferent],
  ['list', ListReferent],
  ['set', SetReferent],
  ['Namespace', NamespaceReferent],
  ['Queue', AsyncQueue],
  ['JoinableQueue', JoinableAsyncQueue],
  ['Lock', LockReferent],
  ['RLock', RLockReferent],
  ['Semaphore', SemaphoreReferent],
  ['BoundedSemaphore', BoundedSemaphoreReferent],
  ['Condition', ConditionReferent],
  ['Event', EventReferent],
  ['Barrier', BarrierReferent],
  ['Value', ValueReferent],
  ['Array', ArrayReferent],
  ['Pool', PoolReferent],
]);

/** Every built-in referent class by name (a `SharedMemoryManager`'s tracker too). */
export const builtinReferents: ReadonlyMap<string, new (...args: never[]) => unknown> = new Map([
  ...syncReferents,
  ['SegmentTracker', SegmentTracker],
]);

const names = new Map<unknown, string>([...builtinReferents].map(([name, Class]) => [Class, name]));

/** The name of a built-in referent class, or undefined for anything else. */
export function builtinNameOf(callable: unknown): string | undefined {
  return names.get(callable);
}
