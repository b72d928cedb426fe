/**
 * Length-prefixed framing for byte streams (sockets, pipes).
 *
 * ```
 *  0        4                       4+n
 *  +--------+-----------------------+
 *  | n (BE) | payload (n bytes)     |        n < 0xFFFFFFFF
 *  +--------+-----------------------+
 *  0        4         12                      12+n
 *  +--------+---------+-----------------------+
 *  | FFFFFFFF | n (BE u64) | payload (n bytes) |  n ≥ 0xFFFFFFFF
 *  +--------+---------+-----------------------+
 * ```
 *
 * The decoder accepts any split of the stream into chunks, never copies a frame that arrives
 * inside one chunk, copies a larger frame once into a buffer of its exact size, and refuses a
 * length above its limit before allocating anything.
 */
import { constants } from 'node:buffer';
import { MultiprocError, brandErrorClass, type MultiprocErrorOptions } from '@multiproc/native';

/** Size of a frame header: 4 bytes (a 32-bit length). */
export const SHORT_FRAME_HEADER = 4;
/** Size of the long form of a frame header, for payloads of 4 GiB or more: 12 bytes. */
export const LONG_FRAME_HEADER = 12;
const kShortHeader = SHORT_FRAME_HEADER;
const kLongHeader = LONG_FRAME_HEADER;
const kEscape = 0xffffffff;

/** The largest frame a decoder accepts unless told otherwise: the largest Buffer Node can make. */
export const MAX_FRAME_LENGTH = constants.MAX_LENGTH;

/** Thrown by a decoder for a stream that breaks the framing rules. */
export class FrameError extends MultiprocError {
  constructor(message: string, options?: MultiprocErrorOptions) {
    super(message, 'ERR_MP_FRAME', options);
  }
}
brandErrorClass(FrameError, 'FrameError');

/** A parsed frame header: the payload's `length` and the header's own size. */
export interface FrameHead {
  /** The payload's length in bytes. */
  length: number;
  /** The header's own size: `SHORT_FRAME_HEADER` or `LONG_FRAME_HEADER`. */
  header: number;
}

/**
 * The one parser of frame headers, for every reader of frames (`FrameDecoder` here, the
 * connection's pull-style reader): the header at `offset` of `bytes`, of which `available` bytes
 * have arrived; `undefined` while it is incomplete. Throws a `FrameError` for a length above
 * `maxLength` as soon as the header shows it (before anything is allocated), or a malformed
 * long form.
 */
export function parseFrameHeader(
  bytes: Buffer,
  offset: number,
  available: number,
  maxLength: number,
): FrameHead | undefined {
  if (available < kShortHeader) return undefined;
  const length = bytes.readUInt32BE(offset);
  if (length !== kEscape) {
    if (length > maxLength) tooLong(length, maxLength);
    return { length, header: kShortHeader };
  }
  if (available < kLongHeader) {
    // Refuse before the rest of the header when no long frame could be accepted anyway.
    if (maxLength < kEscape) tooLong('more than 4 GiB', maxLength);
    return undefined;
  }
  const long = bytes.readBigUInt64BE(offset + kShortHeader);
  if (long > BigInt(maxLength)) tooLong(long, maxLength);
  const value = Number(long);
  if (value < kEscape)
    throw new FrameError(`malformed frame header: long form used for ${value} bytes`);
  return { length: value, header: kLongHeader };
}

function tooLong(length: number | bigint | string, maxLength: number): never {
  throw new FrameError(`frame of ${length} bytes exceeds the limit of ${maxLength} bytes`);
}

/** The header bytes for a payload of `length` bytes. */
export function frameHeader(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`invalid frame length ${length}`);
  if (length < kEscape) {
    const header = Buffer.allocUnsafe(kShortHeader);
    header.writeUInt32BE(length, 0);
    return header;
  }
  const header = Buffer.allocUnsafe(kLongHeader);
  header.writeUInt32BE(kEscape, 0);
  header.writeBigUInt64BE(BigInt(length), 4);
  return header;
}

/** Header and payload in one buffer (small messages: one write instead of two). */
export function frame(payload: Uint8Array): Buffer {
  const header = frameHeader(payload.length);
  return Buffer.concat([header, payload], header.length + payload.length);
}

/** Options of `FrameDecoder`. */
export interface FrameDecoderOptions {
  /** Frames longer than this are refused with a `FrameError` before any allocation. */
  maxLength?: number;
}

/**
 * Splits a byte stream into frames.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * socket.on('data', (chunk) => { for (const f of decoder.push(chunk)) handle(f) });
 * ```
 */
export class FrameDecoder {
  readonly #maxLength: number;
  /** Bytes received but not yet part of a returned frame. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** The frame being filled, once its header has been read and it spans several chunks. */
  #body: Buffer | undefined;
  #bodyFilled = 0;
  /** Header bytes of the frame being filled (counted in `pending`). */
  #bodyHeader = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.#maxLength = options.maxLength ?? MAX_FRAME_LENGTH;
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return this.#buffered + (this.#body ? this.#bodyHeader + this.#bodyFilled : 0);
  }

  /** Feeds bytes; returns the frames completed by them, in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#body) {
        const n = Math.min(this.#body.length - this.#bodyFilled, chunk.length - offset);
        chunk.copy(this.#body, this.#bodyFilled, offset, offset + n);
        this.#bodyFilled += n;
        offset += n;
        if (this.#bodyFilled === this.#body.length) {
          frames.push(this.#body);
          this.#body = undefined;
          this.#bodyFilled = 0;
        }
        continue;
      }
      // Fast path: nothing buffered and a whole frame inside this chunk.
      if (this.#buffered === 0) {
        const available = chunk.length - offset;
        const head = parseFrameHeader(chunk, offset, available, this.#maxLength);
        if (head && available >= head.header + head.length) {
          const start = offset + head.header;
          frames.push(chunk.subarray(start, start + head.length));
          offset = start + head.length;
          continue;
        }
        this.#chunks.push(offset === 0 ? chunk : chunk.subarray(offset));
        this.#buffered += available;
        offset = chunk.length;
      } else {
        const rest = offset === 0 ? chunk : chunk.subarray(offset);
        this.#chunks.push(rest);
        this.#buffered += rest.length;
        offset = chunk.length;
      }
      this.#drainBuffered(frames);
    }
    return frames;
  }

  /** Parses frames out of the buffered chunks once a header is complete. */
  #drainBuffered(frames: Buffer[]): void {
    while (this.#buffered >= kShortHeader) {
      const peeked = Math.min(kLongHeader, this.#buffered);
      const head = parseFrameHeader(this.#peek(peeked), 0, peeked, this.#maxLength);
      if (!head) return;
      const { length, header: headerSize } = head;
      const all = this.#take(this.#buffered);
      const payloadStart = headerSize;
      const inHand = all.length - payloadStart;
      if (inHand >= length) {
        frames.push(all.subarray(payloadStart, payloadStart + length));
        const rest = all.subarray(payloadStart + length);
        if (rest.length > 0) {
          this.#chunks.push(rest);
          this.#buffered = rest.length;
        }
        continue;
      }
      // A frame larger than what has arrived: allocate it once, at its exact size.
      this.#body = Buffer.allocUnsafe(length);
      all.copy(this.#body, 0, payloadStart);
      this.#bodyFilled = inHand;
      this.#bodyHeader = headerSize;
      return;
    }
  }

  /** The first `n` buffered bytes, without consuming them. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first;
    return Buffer.concat(this.#chunks, this.#buffered).subarray(0, n);
  }

  /** Removes and returns every buffered byte as one buffer. */
  #take(n: number): Buffer {
    const out =
      this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, n);
    this.#chunks = [];
    this.#buffered = 0;
    return out;
  }
}
