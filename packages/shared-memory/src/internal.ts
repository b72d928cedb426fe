/**
 * `@multiproc/shared-memory/internal`: what the sibling packages of multiproc share with this one.
 * Not part of the public API: it changes without notice; import `@multiproc/shared-memory`.
 *
 * @internal
 * @packageDocumentation
 */
export { heapAllocate } from './heap.js';
export { trackerChildOptions, type TrackerChildOptions } from './tracker/client.js';
export {
  SharedObject,
  Received,
  borrowed,
  closedError,
  construct,
  received,
  shareObject,
  type Lifecycle,
} from './shared-object.js';
export { isOwnerAlive, kTokenMask, selfToken, threadTokens } from './owner.js';
export { heapTestHooks } from './heap.js';
