/**
 * How an item becomes a record's payload, and back: primitives (numbers, short strings,
 * constants) and a `Buffer`'s bytes without msgpack, anything else through msgpack, and an item
 * too large for the ring spilled to a heap block of its own. Items are encoded before a lock is
 * taken (so an unsendable item is refused first) and decoded after it is released; under a lock
 * only bytes are copied (engine.ts).
 */
import { copyBytes } from '@multiproc/native';
import { decode, decodeAsync, encode, encodeTrusted } from '@multiproc/serialize';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import {
  isSpilled,
  kFalse,
  kInline,
  kNull,
  kNumber,
  kRawInline,
  kRawSpilled,
  kSpilled,
  kString,
  kTrue,
  kUndefined,
} from './layout.js';
import { unspill } from './transfer.js';

/**
 * An item ready to be written: a number as it is, or payload bytes (msgpack, a Buffer's own
 * bytes, a string's UTF-8, or a spilled block's handle).
 */
export interface Prepared {
  /** A record kind of layout.ts. */
  kind: number;
  bytes: Uint8Array | undefined;
  /** Payload bytes: of `bytes`, 8 for a number, 0 for a constant. */
  length: number;
  number: number;
  /** Whether `bytes` is a copy of our own (not a scratch or encoder buffer, nor the caller's). */
  owned: boolean;
}

/** What a get took out of the ring to decode after the lock: a private copy of the payload. */
export class Encoded {
  constructor(
    readonly bytes: Buffer,
    readonly kind: number,
  ) {}

  #payload(): Buffer {
    return isSpilled(this.kind) ? unspill(this.bytes) : this.bytes;
  }

  decodeSync(): unknown {
    const payload = this.#payload();
    return this.kind === kRawInline || this.kind === kRawSpilled ? payload : decode(payload);
  }

  decodeAsync(): unknown {
    const payload = this.#payload();
    return this.kind === kRawInline || this.kind === kRawSpilled ? payload : decodeAsync(payload);
  }
}

/** What a get step returns when it took nothing (an item may be `undefined`). */
export const kNothing: unique symbol = Symbol('nothing');
export type Taken = unknown;

/**
 * Strings up to this many UTF-16 units travel as UTF-8 without msgpack, through a scratch
 * buffer that always holds them (3 bytes per unit at most).
 */
const kShortString = 1024;
const scratch = Buffer.allocUnsafeSlow(kShortString * 3);
/** `String.prototype.isWellFormed` (Node 20+; not in the ES2023 lib this package targets). */
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

export function newPrepared(): Prepared {
  return { kind: 0, bytes: undefined, length: 0, number: 0, owned: true };
}

function fill(
  into: Prepared,
  kind: number,
  bytes: Uint8Array | undefined,
  length: number,
  owned: boolean,
): Prepared {
  into.kind = kind;
  into.bytes = bytes;
  into.length = length;
  into.owned = owned;
  return into;
}

/**
 * Encodes (refusing unsendable items, naming the path) and spills an item of more than
 * `inlineLimit` bytes, into `into` (`putSync` reuses one: a put that does not suspend needs no
 * object of its own).
 */
export function prepare(
  item: unknown,
  inlineLimit: number,
  into: Prepared = newPrepared(),
): Prepared {
  let kind: number;
  let bytes: Uint8Array | undefined;
  let length = 0;
  let owned = true;
  switch (typeof item) {
    case 'number':
      into.number = item;
      return fill(into, kNumber, undefined, 8, true);
    case 'string':
      // A lone surrogate takes msgpack's path, so that every string length decodes alike.
      if (item.length <= kShortString && isWellFormed(item)) {
        return fill(into, kString, scratch, scratch.write(item, 0, 'utf8'), false);
      }
      break;
    case 'boolean':
      return fill(into, item ? kTrue : kFalse, undefined, 0, true);
    case 'undefined':
      return fill(into, kUndefined, undefined, 0, true);
    case 'object':
      if (item === null) return fill(into, kNull, undefined, 0, true);
      break;
  }
  // A Buffer travels as its bytes: msgpack would add a copy (and ~5 µs for 1 KiB) for nothing.
  const raw = Buffer.isBuffer(item);
  bytes = raw ? item : encode(item, { path: 'item' });
  length = bytes.byteLength;
  if (length <= inlineLimit) {
    kind = raw ? kRawInline : kInline;
    owned = false;
  } else {
    const block = heapAllocate(Math.max(1, length));
    try {
      copyBytes(new Uint8Array(block.buffer, block.byteOffset, length), 0, bytes, 0, length);
      // The handle takes a reference for the record; ours goes at once.
      bytes = Buffer.from(encodeTrusted(block));
      length = bytes.byteLength;
      kind = raw ? kRawSpilled : kSpilled;
    } finally {
      block.release();
    }
  }
  return fill(into, kind, bytes, length, owned);
}
