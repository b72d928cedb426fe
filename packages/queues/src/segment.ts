/**
 * The queue's hold on shared memory: one heap block (header and ring, see ring.ts) and the
 * `Lock` that guards it, how they are released, and how they travel. Kept apart so that the
 * project's common base for shared objects can replace it in one place.
 */
import { MultiprocError } from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import { Lock } from '@multiproc/synchronize';
import { Ring, kHeaderBytes } from './ring.js';

/** What travels for a queue: its block and its lock (each a shareable of its own). */
export interface SegmentHandle {
  readonly block: HeapBlock;
  readonly lock: Lock;
}

/** One holder's references to a queue's memory and lock. */
export class QueueSegment {
  readonly ring: Ring;
  readonly lock: Lock;
  readonly #block: HeapBlock;
  #released = false;

  private constructor(block: HeapBlock, lock: Lock) {
    this.#block = block;
    this.lock = lock;
    this.ring = new Ring(block.buffer, block.byteOffset);
  }

  /** A fresh queue: a zero-filled block formatted with `capacity` ring bytes, and a new lock. */
  static create(capacity: number, maxsize: number): QueueSegment {
    const block = heapAllocate(kHeaderBytes + capacity);
    try {
      Ring.format(block.buffer, block.byteOffset, capacity, maxsize);
      return new QueueSegment(block, new Lock());
    } catch (error) {
      block.release();
      throw error;
    }
  }

  /** Rebuilds from a handle that arrived (the references it carried become this holder's). */
  static fromHandle(data: unknown, what: string): QueueSegment {
    // Duck-typed: the ESM and CommonJS builds of a package have classes of their own, and a
    // handle may be rebuilt by either.
    const handle = data as Partial<SegmentHandle> | null;
    if (
      !(handle?.block?.buffer instanceof SharedArrayBuffer) ||
      typeof handle.lock?.acquireSync !== 'function'
    ) {
      throw new MultiprocError(`a ${what} handle arrived damaged`, 'ERR_MP_BAD_HANDLE');
    }
    if (!Ring.isFormatted(handle.block.buffer, handle.block.byteOffset)) {
      handle.block.release();
      handle.lock.close();
      throw new MultiprocError(
        `a ${what} handle names memory that is no queue`,
        'ERR_MP_BAD_HANDLE',
      );
    }
    return new QueueSegment(handle.block, handle.lock);
  }

  /** What to send; each part takes a reference for the receiver as it is encoded. */
  toHandle(): SegmentHandle {
    return { block: this.#block, lock: this.lock };
  }

  /** Drops this holder's references (idempotent); the memory is freed when no holder is left. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.ring.release();
    this.lock.close();
    this.#block.release();
  }
}
