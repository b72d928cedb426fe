/**
 * Chunks: how map-like calls cut their items into tasks, and how a chunk is encoded.
 */
import {
  UnsendableError,
  assertSendable,
  encode,
  encodeTrusted,
  type EncodeContext,
} from '@multiproc/serialize';
import { uninitializedF64, type TaskBody } from './protocol.js';

/**
 * Python's default chunk size for `map`: ⌈items / (4 × processes)⌉, so each worker gets about
 * four chunks (enough to even out uneven chunks, few enough that round trips do not matter).
 */
export function defaultChunksize(items: number, processes: number): number {
  if (items === 0) return 0;
  return Math.ceil(items / (processes * 4));
}

/**
 * Whether `encode` would write `value` exactly as msgpack does on its own: a primitive other
 * than -0 (which the codec marks with an extension) and symbols (which it refuses).
 */
function isPlainPrimitive(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
      return value !== 0 || 1 / value > 0;
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return true;
    default:
      return value === null;
  }
}

/**
 * `encode(value, { path, context })`, minus the walk when the value is a plain primitive: the
 * walk and its bookkeeping cost more than packing a number (the `apply` round trip's hot path).
 */
export function encodeValue(value: unknown, path: string, context: EncodeContext): Buffer {
  if (isPlainPrimitive(value)) return encodeTrusted(value);
  return encode(value, { path, context });
}

/** `encodeValue` for an argument list. */
export function encodeArgs(args: unknown[], path: string, context: () => EncodeContext): Buffer {
  let plain = true;
  for (let i = 0; i < args.length && plain; i++) plain = isPlainPrimitive(args[i]);
  if (plain) return encodeTrusted(args);
  return encode(args, { path, context: context() });
}

/** True when every item of `items` is a number (such a call can use the float64 fast path). */
export function allNumbers(items: ArrayLike<unknown>): boolean {
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'number') return false;
  return true;
}

/**
 * Encodes `count` items of `items` from `start`. Plain numbers go as float64 bytes, with no
 * per-item encoding; anything else as one msgpack array. A value that cannot be sent throws a
 * `TypeError` naming it by its index in the whole call (`items[1003].handler`).
 *
 * @param offset - the index in the whole call of `items[0]` (imap chunks hold only their items).
 */
export function encodeChunk(
  items: ArrayLike<unknown>,
  start: number,
  count: number,
  star: boolean,
  context: EncodeContext,
  offset = 0,
): TaskBody {
  if (!star) {
    const values = uninitializedF64(count);
    let i = 0;
    for (; i < count; i++) {
      const item = items[start + i];
      if (typeof item !== 'number') break;
      values[i] = item;
    }
    if (i === count) return { kind: 'f64', values };
  }
  const chunk =
    start === 0 && count === items.length && Array.isArray(items)
      ? items
      : Array.prototype.slice.call(items, start, start + count);
  try {
    return { kind: star ? 'star' : 'items', bytes: encode(chunk, { path: 'items', context }) };
  } catch (error) {
    if (error instanceof TypeError) throw unsendableItem(chunk, offset + start) ?? error;
    throw error;
  }
}

/** The refusal of the first unsendable item of a chunk, named by its index in the call. */
export function unsendableItem(
  chunk: ArrayLike<unknown>,
  offset: number,
): UnsendableError | undefined {
  for (let i = 0; i < chunk.length; i++) {
    try {
      assertSendable(chunk[i], `items[${offset + i}]`);
    } catch (error) {
      return new UnsendableError((error as Error).message, offset + i);
    }
  }
  return undefined;
}
