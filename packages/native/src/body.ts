/**
 * Message bodies (`csrc/body.cc`): reusable buffers for large received messages.
 */
import { addon } from './addon.js';
import { checkInteger } from './checks.js';

/**
 * Memory for one large received message: a `Buffer` of exactly `size` bytes (contents
 * unspecified, like `Buffer.allocUnsafe`), or `undefined` below 256 KiB, where `allocUnsafe`
 * does as well. When the buffer is garbage-collected its pages are kept, up to 64 MiB per
 * process, for the next large message (the most recently dropped first): a fresh mapping costs
 * one page fault per 4 KiB as the kernel copies into it, about half of the time of receiving
 * 1 MiB messages on a VM. Pages left unused for a second are marked `MADV_FREE`, so the kernel
 * may reclaim them under memory pressure; a new mapping of up to 64 MiB is populated at once.
 *
 * @example
 * ```ts
 * const body = allocBody(length) ?? Buffer.allocUnsafe(length);
 * ```
 */
export function allocBody(size: number): Buffer | undefined {
  checkInteger(size, 'size', 0);
  const memory = addon().allocBody(size);
  return memory === undefined ? undefined : Buffer.from(memory);
}

/**
 * Bytes of collected {@link allocBody} buffers kept for reuse in this process (at most 64 MiB).
 *
 * @example
 * ```ts
 * console.log(bodyCacheBytes()); // 0 until a large received message has been collected
 * ```
 */
export function bodyCacheBytes(): number {
  return addon().bodyCacheBytes();
}
