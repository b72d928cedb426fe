/**
 * The receiving half of a connection's byte stream: frames (`@multiproc/serialize`'s framing,
 * whose `parseFrameHeader` is the one parser of headers) read into memory the reader chooses.
 *
 * `FrameDecoder` is push-style: it copies whatever chunk it is given. A connection instead tells
 * the OS where each read must land, so this reader is pull-style: `target()` says where the next
 * read goes, `commit(n)` records it. That buys three things:
 *
 * - a large frame is read straight into a buffer of its exact size, with no intermediate copy;
 * - the event loop (libuv, through Node's `onread`) and `recvSync` (`fs.readSync`) read into the
 *   same place, so bytes keep their order whichever path read them;
 * - in guarded mode (before authentication) every read asks for exactly the bytes the current
 *   frame still lacks, so a peer can make us read at most one header and `maxLength` bytes.
 *
 * ```
 *  stage (small frames, headers)            body (one large frame, exact size)
 *  +----------+-------------+--------+      +-------------------+-----------+
 *  | consumed | unconsumed  |  free  |      | filled            | to fill   |
 *  +----------+-------------+--------+      +-------------------+-----------+
 *  0        start          end    length     0                filled    length
 * ```
 */
import { allocBody } from '@multiproc/native';
import {
  FrameError,
  LONG_FRAME_HEADER as kLongHeader,
  MAX_FRAME_LENGTH,
  SHORT_FRAME_HEADER as kShortHeader,
  parseFrameHeader,
} from '@multiproc/serialize';
/** Stage size of an open connection: one read takes up to this much. */
const kStageSize = 64 * 1024;
/** Stage size of a guarded connection: a long header plus the largest handshake frame. */
const kGuardedStageSize = 512;
/** Compact the stage when the free tail is smaller than this. */
const kCompactBelow = 4096;

/** Options of `FrameReader`. */
export interface FrameReaderOptions {
  /** Frames longer than this fail with a `FrameError` before any allocation. */
  maxLength?: number;
  /** Size every read to the bytes the current frame lacks (pre-authentication). */
  guarded?: boolean;
  /**
   * Memory for a frame too large for the stage, if the caller has some (`recvBytesInto`'s
   * buffer: the message is then read straight into it); `undefined` to have a buffer allocated;
   * `null` to allocate nothing yet (nobody wants the frame, or not that long): the reader then
   * holds the header, takes no more bytes, and asks again at `resume()`.
   */
  bodyFor?: (length: number) => Buffer | undefined | null;
}

/** Pull-style frame reader; see the module comment. */
export class FrameReader {
  #maxLength: number;
  #guarded: boolean;
  readonly #bodyFor: ((length: number) => Buffer | undefined | null) | undefined;
  /** The front frame's header is parsed, and its body not allocated yet (`bodyFor` said null). */
  #deferred = false;
  #stage: Buffer;
  #start = 0;
  #end = 0;
  /** A frame too large for the stage, being read in place. */
  #body: Buffer | undefined;
  #filled = 0;
  /** What the last target handed out was. */
  #targetKind: 'stage' | 'body' | 'scratch' = 'stage';
  /** The target of a guarded reader that holds a whole frame: reading now is a caller's bug. */
  readonly #scratch = Buffer.alloc(1);
  /** Length of the frame at the front, once its header is complete (stage frames only). */
  #frontLength = -1;
  #frontHeader = 0;

  constructor(options: FrameReaderOptions = {}) {
    this.#maxLength = options.maxLength ?? MAX_FRAME_LENGTH;
    this.#guarded = options.guarded ?? false;
    this.#bodyFor = options.bodyFor;
    this.#stage = Buffer.allocUnsafe(this.#guarded ? kGuardedStageSize : kStageSize);
  }

  /** Lifts the guard: reads become large again and any frame length up to `maxLength` is accepted. */
  unguard(maxLength: number = MAX_FRAME_LENGTH): void {
    if (!this.#guarded) return;
    this.#guarded = false;
    this.#maxLength = maxLength;
    const stage = Buffer.allocUnsafe(kStageSize);
    this.#stage.copy(stage, 0, this.#start, this.#end);
    this.#end -= this.#start;
    this.#start = 0;
    this.#stage = stage;
  }

  /** Whether reads are still sized to the current frame (before authentication). */
  get guarded(): boolean {
    return this.#guarded;
  }

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.#end - this.#start + (this.#body ? this.#filled : 0);
  }

  /**
   * Where the next read should land. Never empty. In guarded mode, exactly the bytes the current
   * frame lacks; a guarded reader holding a whole frame must not be read into until it is taken
   * (the target is then a scratch byte, and committing into it throws).
   */
  target(): Buffer {
    if (this.#deferred && !this.resume()) {
      // Nobody may read now; committing into this throws.
      this.#targetKind = 'scratch';
      return this.#scratch;
    }
    if (this.#body && this.#filled < this.#body.length) {
      this.#targetKind = 'body';
      return this.#body.subarray(this.#filled);
    }
    this.#targetKind = 'stage';
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#guarded) {
      if (this.hasFrame()) {
        this.#targetKind = 'scratch';
        return this.#scratch;
      }
      const have = this.#end - this.#start;
      const want =
        this.#frontLength < 0
          ? (have < kShortHeader ? kShortHeader : kLongHeader) - have
          : this.#frontHeader + this.#frontLength - have;
      this.#makeRoom(want);
      return this.#stage.subarray(this.#end, this.#end + want);
    }
    if (this.#stage.length - this.#end < kCompactBelow) this.#compact();
    // Full only when whole frames wait to be taken, and callers stop reading then; a read into
    // an empty buffer would look like end of file, so never hand one out.
    if (this.#end === this.#stage.length) this.#grow();
    return this.#stage.subarray(this.#end);
  }

  /**
   * Records `n` bytes read into the last `target()`. Throws `FrameError` for a header that
   * breaks the framing or announces more than `maxLength` bytes.
   */
  commit(n: number): void {
    if (this.#targetKind === 'scratch') {
      throw new FrameError(
        this.#deferred
          ? 'read into a frame whose body was not allocated'
          : 'read past a whole handshake message that was not taken yet',
      );
    }
    if (this.#targetKind === 'body') this.#filled += n;
    else {
      this.#end += n;
      this.#parseFront();
    }
  }

  /**
   * The incomplete frame at the front: `length` -1 while its header is incomplete, `received`
   * the payload bytes already here; `undefined` when nothing is buffered.
   */
  partial(): { length: number; received: number } | undefined {
    if (this.#body) return { length: this.#body.length, received: this.#filled };
    const have = this.#end - this.#start;
    if (have === 0) return undefined;
    if (this.#frontLength < 0) return { length: -1, received: 0 };
    return { length: this.#frontLength, received: have - this.#frontHeader };
  }

  /** Whether a large frame's header waits for `resume()` before its body is allocated. */
  get deferred(): boolean {
    return this.#deferred;
  }

  /**
   * Asks `bodyFor` again for a frame it deferred, and allocates its body if it now may. Returns
   * whether reading may go on.
   */
  resume(): boolean {
    if (!this.#deferred) return true;
    this.#deferred = false;
    this.#parseFront();
    return !this.#deferred;
  }

  /** Length of the next frame once its header has arrived, else -1. */
  nextLength(): number {
    if (this.#body) return this.#body.length;
    return this.#frontLength;
  }

  /** Whether a whole frame is buffered. */
  hasFrame(): boolean {
    if (this.#body) return this.#filled === this.#body.length;
    return (
      this.#frontLength >= 0 && this.#end - this.#start >= this.#frontHeader + this.#frontLength
    );
  }

  /** Removes and returns the next whole frame, or `undefined`. The buffer is the caller's. */
  take(): Buffer | undefined {
    if (this.#body) {
      if (this.#filled < this.#body.length) return undefined;
      const frame = this.#body;
      this.#body = undefined;
      this.#filled = 0;
      this.#parseFront();
      return frame;
    }
    if (!this.hasFrame()) return undefined;
    const from = this.#start + this.#frontHeader;
    const to = from + this.#frontLength;
    // A copy: the stage is overwritten by later reads, and decoded Buffers are views of the frame.
    const frame = Buffer.allocUnsafe(this.#frontLength);
    this.#stage.copy(frame, 0, from, to);
    this.#start = to;
    this.#parseFront();
    return frame;
  }

  /** Parses the header at the front of the stage and moves a frame too large for it to a body. */
  #parseFront(): void {
    this.#frontLength = -1;
    if (this.#body) return;
    const have = this.#end - this.#start;
    const head = parseFrameHeader(this.#stage, this.#start, have, this.#maxLength);
    if (!head) return;
    const { length, header } = head;
    if (header + length <= this.#stage.length) {
      this.#frontLength = length;
      this.#frontHeader = header;
      return;
    }
    // Larger than the stage: read the rest of it in place, into a buffer of its exact size
    // (recycled memory when large: see `allocBody`).
    const given = this.#bodyFor?.(length);
    if (given === null) {
      this.#frontLength = length;
      this.#frontHeader = header;
      this.#deferred = true;
      return;
    }
    const body = given ?? allocBody(length) ?? Buffer.allocUnsafe(length);
    const inHand = have - header;
    this.#stage.copy(body, 0, this.#start + header, this.#end);
    this.#start = this.#end = 0;
    this.#body = body;
    this.#filled = inHand;
  }

  #makeRoom(want: number): void {
    if (this.#stage.length - this.#end >= want) return;
    this.#compact();
  }

  #grow(): void {
    const stage = Buffer.allocUnsafe(this.#stage.length * 2);
    this.#stage.copy(stage, 0, this.#start, this.#end);
    this.#end -= this.#start;
    this.#start = 0;
    this.#stage = stage;
  }

  #compact(): void {
    if (this.#start === 0) return;
    this.#stage.copy(this.#stage, 0, this.#start, this.#end);
    this.#end -= this.#start;
    this.#start = 0;
  }
}
