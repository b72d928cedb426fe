/**
 * Moving bytes in and out of the ring, and in and out of a spilled item's own block.
 */
import { copyBytes } from '@multiproc/native';
import { decode } from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import type { Ring } from './ring.js';

/** Below this many bytes a JavaScript copy beats a native call. */
const kNativeCopyBytes = 4096;
/** Below this many bytes a loop beats `TypedArray.set` (and the view `subarray` would make). */
const kLoopCopyBytes = 64;

/** Copies the first `length` bytes of `source` to `target` at `at`. */
export function copyInto(target: Uint8Array, at: number, source: Uint8Array, length: number): void {
  if (length < kLoopCopyBytes) {
    for (let i = 0; i < length; i++) target[at + i] = source[i]!;
  } else if (length < kNativeCopyBytes) {
    target.set(length === source.byteLength ? source : source.subarray(0, length), at);
  } else copyBytes(target, at, source, 0, length);
}

export function copyOut(ring: Ring, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const bytes = ring.bytes;
  if (length < kLoopCopyBytes) {
    for (let i = 0; i < length; i++) out[i] = bytes[offset + i]!;
  } else if (length < kNativeCopyBytes) out.set(bytes.subarray(offset, offset + length));
  else copyBytes(out, 0, bytes, offset, length);
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
