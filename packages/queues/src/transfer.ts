/**
 * Moving bytes in and out of the ring, and in and out of a spilled item's own block.
 */
import { copyBytes } from '@multiproc/native';
import { decode } from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import type { Ring } from './ring.js';

/** Below this many bytes a JavaScript copy beats a native call. */
const kNativeCopyBytes = 4096;

export function copyInto(target: Uint8Array, at: number, source: Uint8Array): void {
  if (source.byteLength < kNativeCopyBytes) target.set(source, at);
  else copyBytes(target, at, source, 0, source.byteLength);
}

export function copyOut(ring: Ring, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  if (length < kNativeCopyBytes) out.set(ring.bytes.subarray(offset, offset + length));
  else copyBytes(out, 0, ring.bytes, offset, length);
  return out;
}

/** Drops the reference a spilled record's handle carries (a put that did not happen). */
export function discardSpilled(handle: Uint8Array): void {
  (decode(handle) as HeapBlock).release();
}

/** Reads a spilled item's bytes out of its block and frees the block. */
export function unspill(handle: Uint8Array): Buffer {
  const block = decode(handle) as HeapBlock;
  try {
    const out = Buffer.allocUnsafe(block.byteLength);
    copyBytes(
      out,
      0,
      new Uint8Array(block.buffer, block.byteOffset, block.byteLength),
      0,
      out.length,
    );
    return out;
  } finally {
    block.release();
  }
}
