/**
 * The shared-memory lane of a local manager connection: one ring of frames in shared memory each
 * way, beside the connection's socket, so that a call costs no system call when the other side
 * is watching its ring.
 *
 * Why: on this project's VMs a socket write that wakes a sleeping process costs 20-40 µs, which
 * was most of a proxy call (a dict's get or set runs in a microsecond). A server that watches
 * its lanes between requests, and a client that watches for its reply for a few microseconds,
 * trade one CPU kept busy during a burst of calls for those wake-ups. When the reader does not
 * watch (it said so in its state word), the writer pokes it with an empty frame on the socket:
 * a sleeping side costs what a socket costs, never more.
 *
 * The socket stays the connection: it carries the handshake, the end of the connection (however
 * the peer ends), the pokes, and every frame the ring cannot take (too big, or no room). Frames
 * keep one order across both paths: a frame that goes to the socket leaves a marker in the ring,
 * and the reader, on meeting the marker, reads the socket until the writer sends a switch frame
 * to say "back to the ring". A poke only says "look at the ring": the reader may have read the
 * ring past the poke's frames, and past a marker, before the poke comes, so a poke never moves
 * it. The lane's own frames are the empty frame (a poke) and the single byte 0xC1 (the switch),
 * which msgpack never uses: no frame of the protocol is either.
 *
 * Each ring has one writer and one reader, so nothing is locked: a side SIGKILLed mid-write
 * never published its frame (the tail moves after the bytes are in), and the other side learns
 * of the death from the socket. The reader checks every length and marker it reads, since the
 * writer may be hostile: a malformed ring throws `LaneError`, and the connection is dropped.
 *
 * Segment layout (one region per direction; region 0 carries requests, region 1 replies):
 *
 * ```
 *  region = kRegionBytes
 *  ┌────────────── 64 B ─┬────────────── 64 B ─┬────────────── 64 B ─┬── kLaneCapacity ───┐
 *  │ tail (i32): bytes   │ head (i32): bytes   │ state (i32): the    │ frames             │
 *  │ written, wrapping   │ read, wrapping      │ reader's kSleeping, │                    │
 *  │                     │                     │ kWatching, kPoked   │                    │
 *  └─────────────────────┴─────────────────────┴─────────────────────┴────────────────────┘
 *  frame at a 4-byte aligned offset: [length i32][bytes, padded to 4]
 *  or a word alone: kWrap (the rest of the ring is unused; go on at 0), kToSocket (marker)
 * ```
 *
 * The three words sit on cache lines of their own, so the writer's tail and the reader's head
 * do not bounce one line between two CPUs on every frame.
 */
import { MultiprocError } from '@multiproc/serialize';

/** How a lane's segment name starts (the client checks it before it maps and unlinks one). */
export const kLanePrefix = 'mp_lane_';

/** Bytes of frames each way. */
export const kLaneCapacity = 64 * 1024;
const kMask = kLaneCapacity - 1;
const kHeaderBytes = 3 * 64;
const kRegionBytes = kHeaderBytes + kLaneCapacity;
/** The size of a lane's segment: both regions. */
export const kLaneSegmentBytes = 2 * kRegionBytes;

/** Int32 indexes of a region's header words. */
const kTail = 0;
const kHead = 16;
const kState = 32;

/**
 * Frames larger than this go to the socket: a few large frames would otherwise fill the ring
 * and send the small ones after them to the socket too.
 */
const kMaxRingFrame = kLaneCapacity / 4;
/** Room the writer keeps for a marker, so a frame that does not fit can always leave one. */
const kMarkerBytes = 4;
const kWrap = -1;
const kToSocket = -2;

/** The reader's state word. Zero, as a fresh segment holds, is "sleeping": the writer pokes. */
const kSleeping = 0;
const kWatching = 1;
const kPoked = 2;

const kPoke = Buffer.alloc(0);
const kSwitch = Buffer.from([0xc1]);
/** Whether a frame is the lane's switch back to the ring. */
export const isSwitch = (frame: Uint8Array): boolean => frame.length === 1 && frame[0] === 0xc1;

/** A frame's bytes in the ring: its length word and its bytes, padded to 4. */
const spanOf = (length: number): number => 4 + ((length + 3) & ~3);

/** A ring that breaks the lane's rules: the connection that wrote it is dropped. */
export class LaneError extends MultiprocError {
  constructor(message: string) {
    super(`manager lane: ${message}`, 'ERR_MP_MANAGER_LANE');
  }
}

/** One direction's views on the segment. */
class Region {
  readonly words: Int32Array;
  readonly data: Uint8Array;
  readonly data32: Int32Array;

  constructor(buffer: SharedArrayBuffer, index: 0 | 1) {
    const base = index * kRegionBytes;
    this.words = new Int32Array(buffer, base, kHeaderBytes / 4);
    this.data = new Uint8Array(buffer, base + kHeaderBytes, kLaneCapacity);
    this.data32 = new Int32Array(buffer, base + kHeaderBytes, kLaneCapacity / 4);
  }
}

/** Sends one frame on the lane's socket. */
export type SocketSend = (frame: Uint8Array) => void;

/** The writing end of one direction. */
export class LaneWriter {
  readonly #region: Region;
  readonly #send: SocketSend;
  /**
   * Where this writer's frames go now. It starts on the socket: the reader learns of the ring
   * from the first switch frame, which the writer sends only once the reader can have it.
   */
  #onSocket = true;
  /** The tail just past the last marker: the reader has left the ring when its head is there. */
  #markerEnd = 0;
  #tail = 0;

  constructor(buffer: SharedArrayBuffer, index: 0 | 1, send: SocketSend) {
    this.#region = new Region(buffer, index);
    this.#send = send;
  }

  /** Sends one frame (never one of the lane's own: empty, or the single byte 0xC1). */
  write(frame: Uint8Array): void {
    if (frame.length === 0 || isSwitch(frame))
      throw new LaneError(
        `a frame of ${frame.length === 0 ? 'no bytes' : 'the byte 0xC1'} cannot be sent`,
      );
    const { words } = this.#region;
    if (this.#onSocket) {
      // Back to the ring only once the reader met the marker; until then its place is the socket.
      if (frame.length > kMaxRingFrame || Atomics.load(words, kHead) !== this.#markerEnd) {
        this.#send(frame);
        return;
      }
      this.#send(kSwitch);
      this.#onSocket = false;
    }
    if (this.#put(frame)) {
      this.#poke();
      return;
    }
    this.#putWord(kToSocket);
    this.#markerEnd = this.#tail;
    this.#onSocket = true;
    this.#send(frame);
  }

  /** Writes a frame into the ring if it fits, keeping room for a marker. */
  #put(frame: Uint8Array): boolean {
    const length = frame.length;
    if (length > kMaxRingFrame) return false;
    const { words, data, data32 } = this.#region;
    const span = spanOf(length);
    const free = kLaneCapacity - ((this.#tail - Atomics.load(words, kHead)) | 0);
    let at = this.#tail & kMask;
    const skip = span > kLaneCapacity - at ? kLaneCapacity - at : 0;
    if (skip + span + kMarkerBytes > free) return false;
    if (skip > 0) {
      data32[at >> 2] = kWrap;
      at = 0;
    }
    data32[at >> 2] = length;
    data.set(frame, at + 4);
    this.#publish(skip + span);
    return true;
  }

  #putWord(word: number): void {
    this.#region.data32[(this.#tail & kMask) >> 2] = word;
    this.#publish(4);
  }

  /** Moves the tail: what was written before it is the reader's from now on. */
  #publish(bytes: number): void {
    this.#tail = (this.#tail + bytes) | 0;
    Atomics.store(this.#region.words, kTail, this.#tail);
  }

  /** Wakes a reader that sleeps (once: until it reads, further frames need no poke). */
  #poke(): void {
    const { words } = this.#region;
    if (
      Atomics.load(words, kState) === kSleeping &&
      Atomics.compareExchange(words, kState, kSleeping, kPoked) === kSleeping
    ) {
      this.#send(kPoke);
    }
  }
}

/** The reading end of one direction. */
export class LaneReader {
  readonly #region: Region;
  /** Whether the next frame is on the socket (the writer starts there). */
  #onSocket = true;
  #head = 0;

  constructor(buffer: SharedArrayBuffer, index: 0 | 1) {
    this.#region = new Region(buffer, index);
  }

  /** Whether the ring holds a frame for this reader now. */
  get ready(): boolean {
    return !this.#onSocket && Atomics.load(this.#region.words, kTail) !== this.#head;
  }

  /**
   * Hands `handle` each frame in the ring, in order, until the ring is empty or a marker sends
   * this reader to the socket; returns how many. Each frame is a copy, read out before `handle`
   * runs (the writer reuses the ring's bytes at once).
   */
  poll(handle: (frame: Buffer) => void): number {
    if (this.#onSocket) return 0;
    const { words, data, data32 } = this.#region;
    let count = 0;
    for (;;) {
      const ahead = (Atomics.load(words, kTail) - this.#head) | 0;
      if (ahead === 0) return count;
      if (ahead < 4 || ahead > kLaneCapacity)
        throw new LaneError(`the tail is ${ahead} bytes ahead`);
      const at = this.#head & kMask;
      const word = data32[at >> 2] as number;
      if (word === kWrap && at !== 0) {
        if (kLaneCapacity - at > ahead) throw new LaneError('a wrap past the tail');
        this.#advance(kLaneCapacity - at);
        continue;
      }
      if (word === kToSocket) {
        this.#advance(4);
        this.#onSocket = true;
        return count;
      }
      if (word < 0 || word > kMaxRingFrame || spanOf(word) > ahead || at + 4 + word > kLaneCapacity)
        throw new LaneError(`a frame of ${word} bytes does not fit where it is`);
      const frame = Buffer.from(data.subarray(at + 4, at + 4 + word));
      this.#advance(spanOf(word));
      handle(frame);
      count++;
    }
  }

  /**
   * A frame that came on the socket. A poke has this reader look at the ring; a switch sends it
   * back to the ring; another frame's place is after the ring's frames up to the marker the
   * writer left for it.
   */
  fromSocket(frame: Buffer, handle: (frame: Buffer) => void): void {
    if (frame.length === 0) {
      this.poll(handle);
      return;
    }
    if (isSwitch(frame)) {
      if (!this.#onSocket) throw new LaneError('a switch to the ring while reading the ring');
      this.#onSocket = false;
      this.poll(handle);
      return;
    }
    this.poll(handle);
    if (!this.#onSocket) throw new LaneError('a frame came on the socket without its marker');
    handle(frame);
  }

  /** Says this reader watches the ring: the writer need not poke it. */
  watch(): void {
    Atomics.store(this.#region.words, kState, kWatching);
  }

  /**
   * Says this reader sleeps, so the writer pokes it after its next frame. False if a frame came
   * meanwhile (the reader watches again and must poll): one of the two always sees the other,
   * as both the state and the tail are sequentially consistent.
   */
  sleep(): boolean {
    const { words } = this.#region;
    Atomics.store(words, kState, kSleeping);
    if (!this.ready) return true;
    Atomics.store(words, kState, kWatching);
    return false;
  }

  #advance(bytes: number): void {
    this.#head = (this.#head + bytes) | 0;
    Atomics.store(this.#region.words, kHead, this.#head);
  }
}
