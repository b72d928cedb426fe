/**
 * Where each primitive's shared words live: a block of the shared-memory heap. A primitive made
 * with `new` allocates one; a primitive rebuilt from a handle (in a child, a worker) adopts the
 * block that arrived with the handle instead, through {@link adoptBlock}, so every constructor
 * keeps its public signature.
 */
import { heapAllocate, type HeapBlock } from '@multiproc/shared-memory';

let adopting: HeapBlock | undefined;

/** Runs `make` (a `new X(…)`) so that its {@link takeBlock} returns `block` instead of allocating. */
export function adoptBlock<T>(block: HeapBlock, make: () => T): T {
  adopting = block;
  try {
    return make();
  } finally {
    adopting = undefined;
  }
}

/** The block being adopted, or a fresh zero-filled one of `bytes`. */
export function takeBlock(bytes: number): { block: HeapBlock; fresh: boolean } {
  const block = adopting;
  adopting = undefined;
  if (block !== undefined) return { block, fresh: false };
  return { block: heapAllocate(bytes), fresh: true };
}

/** `Int32Array` over a block's words. */
export function wordsOf(block: HeapBlock, count: number): Int32Array {
  return new Int32Array(block.buffer, block.byteOffset, count);
}

/** The error every method of a closed primitive throws: `Lock is closed`. */
export { closedError } from '@multiproc/serialize';

/** Lifecycle of every primitive: usable until `close()`. */
export type Lifecycle = 'open' | 'closed';
