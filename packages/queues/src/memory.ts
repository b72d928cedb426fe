/**
 * The queue's hold on shared memory: one block of the shared heap (header and first ring, see
 * ring.ts) and the `Lock` that guards it. A `SharedObject` of `@multiproc/shared-memory`, which
 * gives it the block, the idempotent close and the handle (the block, with the lock beside it).
 */
import { MultiprocError } from '@multiproc/serialize';
import { SharedObject, shareObject, type Received } from '@multiproc/shared-memory/internal';
import { Lock } from '@multiproc/synchronize';
import { Ring, kHeaderBytes } from './ring.js';

/** What travels beside the block. */
interface MemoryData {
  readonly lock?: Lock;
}

/** One holder's references to a queue's memory and lock; `close()` drops them. */
export class QueueMemory extends SharedObject {
  readonly ring: Ring;
  readonly lock: Lock;

  /** A fresh queue (`capacity` ring bytes, growing up to `maxCapacity`), or one that arrived. */
  constructor(capacity: number, maxsize: number, maxCapacity: number);
  constructor(source: Received<MemoryData>);
  constructor(source: number | Received<MemoryData>, maxsize = 0, maxCapacity = 0) {
    super('Queue', typeof source === 'number' ? kHeaderBytes + source : source);
    const { buffer, byteOffset } = this.block;
    if (typeof source === 'number') {
      try {
        Ring.format(buffer, byteOffset, source, maxsize, maxCapacity);
        this.lock = new Lock();
      } catch (error) {
        this.close();
        throw error;
      }
    } else {
      // Duck-typed: the ESM and CommonJS builds of a package have classes of their own.
      const { lock } = source.data;
      if (typeof lock?.acquireSync !== 'function' || !Ring.isFormatted(buffer, byteOffset)) {
        lock?.close();
        this.close();
        throw new MultiprocError(
          'a queue handle names memory that is no queue',
          'ERR_MP_BAD_HANDLE',
        );
      }
      this.lock = lock;
    }
    this.ring = new Ring(buffer, byteOffset);
  }

  /** The grown ring and the lock go with the block (the lock's own block is shared likewise). */
  protected override onClose(): void {
    // Undefined when the constructor refused the memory.
    (this.ring as Ring | undefined)?.release();
    (this.lock as Lock | undefined)?.close();
  }
}

shareObject('multiproc.QueueMemory', QueueMemory, import.meta.url, (memory) => ({
  lock: memory.lock,
}));

/** The memory a queue's handle carried (rebuilt by the serializer), or a clear error. */
export function memoryOf(value: unknown, what: string): QueueMemory {
  // Duck-typed, as above: an instance may come from the other build's class.
  const memory = value as Partial<QueueMemory> | null;
  if (!(memory?.ring?.words instanceof Int32Array) || typeof memory.close !== 'function') {
    throw new MultiprocError(`a ${what} handle arrived damaged`, 'ERR_MP_BAD_HANDLE');
  }
  return memory as QueueMemory;
}
