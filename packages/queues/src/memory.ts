/**
 * The queue's hold on shared memory: one block of the shared heap (header and first ring, see
 * layout.ts) and the two `Lock`s that guard it (producers', consumers'). A `SharedObject` of `@multiproc/shared-memory`, which
 * gives it the block, the idempotent close and the handle (the block, with the locks beside it).
 */
import { MultiprocError } from '@multiproc/serialize';
import { SharedObject, shareObject, type Received } from '@multiproc/shared-memory/internal';
import { Lock } from '@multiproc/synchronize';
import { kHeaderBytes } from './layout.js';
import { Ring } from './ring.js';

/** What travels beside the block. */
interface MemoryData {
  readonly tailLock?: Lock;
  readonly headLock?: Lock;
}

/** One holder's references to a queue's memory and lock; `close()` drops them. */
export class QueueMemory extends SharedObject {
  readonly ring: Ring;
  /** Producers take turns on this one (a growing producer takes it, then the head lock). */
  readonly tailLock: Lock;
  /** Consumers (and `taskDone()`) take turns on this one. */
  readonly headLock: Lock;

  /** A fresh queue (`capacity` ring bytes, growing up to `maxCapacity`), or one that arrived. */
  constructor(capacity: number, maxsize: number, maxCapacity: number);
  constructor(source: Received<MemoryData>);
  constructor(source: number | Received<MemoryData>, maxsize = 0, maxCapacity = 0) {
    super('Queue', typeof source === 'number' ? kHeaderBytes + source : source);
    const { buffer, byteOffset } = this.block;
    if (typeof source === 'number') {
      try {
        Ring.format(buffer, byteOffset, source, maxsize, maxCapacity);
        this.tailLock = new Lock();
        this.headLock = new Lock();
      } catch (error) {
        this.close();
        throw error;
      }
    } else {
      // Duck-typed: the ESM and CommonJS builds of a package have classes of their own.
      const { tailLock, headLock } = source.data;
      if (
        typeof tailLock?.acquireSync !== 'function' ||
        typeof headLock?.acquireSync !== 'function' ||
        !Ring.isFormatted(buffer, byteOffset)
      ) {
        tailLock?.close();
        headLock?.close();
        this.close();
        throw new MultiprocError(
          'a queue handle names memory that is no queue',
          'ERR_MP_BAD_HANDLE',
        );
      }
      this.tailLock = tailLock;
      this.headLock = headLock;
    }
    this.ring = new Ring(buffer, byteOffset);
  }

  /** The grown ring and the locks go with the block (a lock's own block is shared likewise). */
  protected override onClose(): void {
    // Undefined when the constructor refused the memory.
    (this.ring as Ring | undefined)?.release();
    (this.tailLock as Lock | undefined)?.close();
    (this.headLock as Lock | undefined)?.close();
  }
}

shareObject('multiproc.QueueMemory', QueueMemory, import.meta.url, (memory) => ({
  tailLock: memory.tailLock,
  headLock: memory.headLock,
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
