/**
 * The server side of a `SharedMemoryManager`: creates segments and unlinks them all when it is
 * dropped (at the manager's shutdown).
 */
import { SharedMemory, ShareableList, type ShareableValue } from '@multiproc/shared-memory';
import { invalidArgument } from '@multiproc/serialize';
import { kReferentClose } from './referent-hooks.js';

/** @internal The server side: creates segments and remembers them until it is dropped. */
export class SegmentTracker {
  readonly #segments = new Map<string, SharedMemory>();

  create(size: number): string {
    if (!Number.isSafeInteger(size) || size <= 0)
      throw invalidArgument('SharedMemory size', 'a positive integer', size);
    const shm = new SharedMemory({ create: true, size });
    this.#segments.set(shm.name, shm);
    return shm.name;
  }
  createList(sequence: ShareableValue[]): string {
    if (!Array.isArray(sequence))
      throw invalidArgument('ShareableList sequence', 'an array', sequence);
    const list = new ShareableList(sequence);
    this.#segments.set(list.shm.name, list.shm);
    return list.shm.name;
  }
  names(): string[] {
    return [...this.#segments.keys()];
  }
  [kReferentClose](): void {
    for (const shm of this.#segments.values()) {
      try {
        shm.unlink();
        shm.close();
      } catch {
        // Already unlinked by someone else: nothing left to do.
      }
    }
    this.#segments.clear();
  }
}
