/**
 * `@multiproc/queues`: Python's `multiprocessing` queues — `Queue`, `JoinableQueue` and
 * `SimpleQueue` — in shared memory, shared by processes and threads, safe when any of them is
 * killed.
 *
 * @packageDocumentation
 */
export { Queue, JoinableQueue } from './queue.js';
export { SimpleQueue } from './simple-queue.js';
export type { QueueOptions, WaitOptions } from './options.js';
export { Empty, Full } from '@multiproc/serialize';
