/**
 * `@multiproc/shared-memory`: `SharedMemory` and `ShareableList` as in Python's
 * `multiprocessing.shared_memory`, the small-object heap that packs many small shared blocks into
 * a few segments, and the resource tracker that unlinks a program's segments once the program has
 * ended, even by SIGKILL.
 *
 * @packageDocumentation
 */
export { SharedMemory, freshSegmentName, type SharedMemoryOptions } from './shared-memory.js';
export { ShareableList, type ShareableListOptions, type ShareableValue } from './shareable-list.js';
export { HeapBlock, heapStats, type HeapStats } from './heap.js';
export { TRACKER_ENV, TRACKER_FD_ENV } from './tracker/protocol.js';
