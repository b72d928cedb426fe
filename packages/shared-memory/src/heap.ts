/**
 * The small-object heap: many small blocks (lock words, values, queue headers) packed into a few
 * shared segments ("arenas"), so ten thousand locks do not mean ten thousand segments.
 *
 * Arena layout (one named segment, 1 MiB by default; a block over 64 KiB gets an arena of its own):
 *
 * ```
 *  byte 0        4        8        12       16                                 68        128
 *       ┌────────┬────────┬────────┬────────┬──────────────────────────────────┬─────────┐
 *       │ magic  │ lock   │ bump   │ size   │ free-list heads, one per class    │ unused  │
 *       │'MPHP'  │(owner) │ offset │ bytes  │ 16 B, 32 B … 64 KiB (13 × u32)    │         │
 *       └────────┴────────┴────────┴────────┴──────────────────────────────────┴─────────┘
 *  128  ┌─────────────────────────────────┬──────────────────────────────┐
 *       │ block header (16 B)             │ payload (class size, 16-aligned)│ … next block
 *       │ refcount │ class │ next │ gen   │                              │
 *       └─────────────────────────────────┴──────────────────────────────┘
 * ```
 *
 * Payloads start on 16-byte boundaries, so `Int32Array`, `BigInt64Array` and `Float64Array` views
 * (and `Atomics` on them) work at offset 0 of every block.
 *
 * Who does what: only the thread that created an arena allocates from it (bump pointer, then
 * per-class free lists), so arenas need no cross-process allocation protocol; any process may
 * free into it. The `lock` word (the holder's owner token, a thread id; 0 when free; see owner.ts)
 * guards the free lists and the bump pointer; a holder found dead is replaced, so neither a
 * SIGKILL nor a worker thread terminated inside the tiny critical section can wedge the heap.
 *
 * Lifetime rule: each block has a reference count of the holders (processes or threads) that own
 * a `HeapBlock` for it. Allocation sets 1. Sending a block increments it on the sender's side, at
 * encode time, on behalf of the receiver, which adopts that reference when it decodes the handle
 * (so a sender releasing right after sending cannot free the block under the receiver). `release()`
 * decrements; at zero the block returns to its free list, and its generation number changes, so a
 * stale handle is refused instead of aliasing a reused block. A handle encoded but never decoded,
 * or a holder that dies without releasing, keeps its block until the program ends; the arenas
 * themselves are unlinked by the resource tracker when the program has ended.
 */
import { randomBytes } from 'node:crypto';
import {
  flock,
  futexWaitSync,
  shmAttach,
  shmCreate,
  shmUnlink,
  type ShmSegment,
} from '@multiproc/native';
import {
  ProcessError,
  closedError,
  invalidArgument,
  registerShareable,
  sharedState,
} from '@multiproc/serialize';
import { isOwnerAlive, selfToken } from './owner.js';
import { track, trackerAlive } from './tracker/client.js';

const kMagic = 0x4d504850; // 'MPHP'
const kArenaBytes = 1 << 20;
const kHeaderBytes = 128;
const kBlockHeaderBytes = 16;
const kMinClassShift = 4; // 16 bytes
const kMaxClassShift = 16; // 64 KiB
const kLargeClass = 255;
// Arena header, as Int32 word indices.
const kMagicWord = 0;
const kLockWord = 1;
const kBumpWord = 2;
const kSizeWord = 3;
const kFreeHeadWord = 4; // + class index
// Block header, as Int32 word offsets from the header's first word.
const kRefcount = 0;
const kClass = 1;
const kNextFree = 2;
const kGeneration = 3;
const kSpinsBeforeSleep = 100;

interface Arena {
  readonly name: string;
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly owned: boolean;
  /** The descriptor kept open: its shared `flock` tells others the arena is in use. */
  readonly fd: number;
}

interface HeapState {
  /** Arenas this thread allocates from, newest last. */
  own: Arena[];
  /** Every arena this thread has mapped, by name. */
  mapped: Map<string, Arena>;
  /** Whether {@link unlinkOrphanedArenas} will run when this thread exits. */
  exitHook: boolean;
}

const heap = sharedState<HeapState>('sharedMemoryHeap', () => ({
  own: [],
  mapped: new Map(),
  exitHook: false,
}));

/**
 * When a thread ends and no tracker will clean up after the program (it was killed, or never
 * started), the arenas this thread created that nobody else maps are unlinked here: no other
 * process holds a shared `flock` on them, so the exclusive one converts.
 */
function unlinkOrphanedArenas(): void {
  if (trackerAlive()) return;
  for (const arena of heap.mapped.values()) {
    if (!arena.owned) continue;
    try {
      if (flock(arena.fd, 'exclusive')) shmUnlink(arena.name);
    } catch {
      // gone already
    }
  }
}

/**
 * @internal For tests: called inside every critical section of the arena lock, so that a test
 * can stop a thread there.
 */
export const heapTestHooks: { insideSection: (() => void) | undefined } = {
  insideSection: undefined,
};

function lockArena(words: Int32Array): void {
  for (let spins = 0; ; spins++) {
    const holder = Atomics.compareExchange(words, kLockWord, 0, selfToken);
    if (holder === 0) {
      heapTestHooks.insideSection?.();
      return;
    }
    if (spins < kSpinsBeforeSleep) continue;
    if (!isOwnerAlive(holder)) {
      Atomics.compareExchange(words, kLockWord, holder, 0); // its holder died inside; take over
      continue;
    }
    // Critical sections are a few loads and stores, so waiters poll rather than being woken:
    // unlock then needs no system call.
    futexWaitSync(words, kLockWord, holder, 1);
  }
}

function unlockArena(words: Int32Array): void {
  Atomics.store(words, kLockWord, 0);
}

function newArena(bytes: number): Arena {
  const name = 'mp_heap_' + randomBytes(8).toString('hex');
  track('own', name, false);
  let segment: ShmSegment;
  try {
    segment = shmCreate(name, bytes);
  } catch (error) {
    track('forget', name);
    throw error;
  }
  const words = new Int32Array(segment.buffer, 0, kHeaderBytes / 4);
  words[kSizeWord] = bytes;
  words[kBumpWord] = kHeaderBytes;
  Atomics.store(words, kMagicWord, kMagic);
  const arena: Arena = {
    name,
    buffer: segment.buffer,
    words: new Int32Array(segment.buffer),
    owned: true,
    fd: segment.fd,
  };
  heap.mapped.set(name, arena);
  if (!heap.exitHook) {
    heap.exitHook = true;
    process.once('exit', unlinkOrphanedArenas);
  }
  return arena;
}

function attachArena(name: string): Arena {
  const known = heap.mapped.get(name);
  if (known) return known;
  const segment = shmAttach(name);
  track('hold', name);
  const words = new Int32Array(segment.buffer);
  if (Atomics.load(words, kMagicWord) !== kMagic)
    throw new ProcessError(`segment ${name} is not a multiproc heap arena`, 'ERR_MP_NOT_AN_ARENA');
  const arena: Arena = { name, buffer: segment.buffer, words, owned: false, fd: segment.fd };
  heap.mapped.set(name, arena);
  return arena;
}

function classOf(size: number): number {
  let shift = kMinClassShift;
  while (1 << shift < size) shift++;
  return shift - kMinClassShift;
}

/** Allocates from `arena`; returns the payload offset, or 0 when the arena is full. */
function allocateIn(arena: Arena, cls: number, classBytes: number): number {
  const w = arena.words;
  lockArena(w);
  try {
    const head = w[kFreeHeadWord + cls]!;
    let offset: number;
    if (head !== 0) {
      offset = head;
      const h = (offset - kBlockHeaderBytes) >> 2;
      w[kFreeHeadWord + cls] = w[h + kNextFree]!;
    } else {
      const bump = w[kBumpWord]!;
      if (bump + kBlockHeaderBytes + classBytes > w[kSizeWord]!) return 0;
      w[kBumpWord] = bump + kBlockHeaderBytes + classBytes;
      offset = bump + kBlockHeaderBytes;
      w[((offset - kBlockHeaderBytes) >> 2) + kClass] = cls;
    }
    const h = (offset - kBlockHeaderBytes) >> 2;
    w[h + kNextFree] = 0;
    Atomics.add(w, h + kGeneration, 1);
    Atomics.store(w, h + kRefcount, 1);
    return offset;
  } finally {
    unlockArena(w);
  }
}

interface BlockRef {
  arena: Arena;
  offset: number;
}

// A block whose HeapBlock was garbage collected without release() is released then (backstop).
const finalizer = new FinalizationRegistry<BlockRef>((ref) => dropReference(ref.arena, ref.offset));

function dropReference(arena: Arena, offset: number): void {
  const w = arena.words;
  const h = (offset - kBlockHeaderBytes) >> 2;
  if (Atomics.sub(w, h + kRefcount, 1) !== 1) return;
  const cls = w[h + kClass]!;
  if (cls === kLargeClass) {
    // A block with an arena of its own: drop the name now (mappings stay valid until collected).
    try {
      shmUnlink(arena.name);
    } catch {
      // already gone
    }
    track('forget', arena.name);
    heap.mapped.delete(arena.name);
    return;
  }
  lockArena(w);
  try {
    w[h + kNextFree] = w[kFreeHeadWord + cls]!;
    w[kFreeHeadWord + cls] = offset;
  } finally {
    unlockArena(w);
  }
}

/**
 * A block of the shared small-object heap: `byteLength` bytes at `byteOffset` of `buffer`,
 * 16-byte aligned and zero-filled when allocated. Send it to another process or thread (as a
 * Process argument, inside a queue item…) and the receiver gets a `HeapBlock` over the same
 * memory. Call `release()` when this holder is done; the block is reused once every holder has.
 *
 * @example
 * ```ts
 * const block = heapAllocate(8);
 * const counter = new Int32Array(block.buffer, block.byteOffset, 2);
 * Atomics.add(counter, 0, 1);
 * block.release();
 * ```
 */
export class HeapBlock {
  /** The arena's memory; view the block with `byteOffset` and `byteLength`. */
  readonly buffer: SharedArrayBuffer;
  /** Where the block starts in `buffer` (a multiple of 16). */
  readonly byteOffset: number;
  /** The size asked for. */
  readonly byteLength: number;
  #arena: Arena;
  #generation: number;
  #released = false;

  /** @internal Use `heapAllocate` or receive one from another process. */
  constructor(arena: Arena, offset: number, byteLength: number) {
    this.buffer = arena.buffer;
    this.byteOffset = offset;
    this.byteLength = byteLength;
    this.#arena = arena;
    this.#generation = Atomics.load(arena.words, ((offset - kBlockHeaderBytes) >> 2) + kGeneration);
    finalizer.register(this, { arena, offset }, this);
  }

  /** Whether `release()` was called on this holder. */
  get released(): boolean {
    return this.#released;
  }

  /** Drops this holder's reference (idempotent); the block is freed when no holder is left. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    finalizer.unregister(this);
    dropReference(this.#arena, this.byteOffset);
  }

  /** Same as `release()`, for `using block = heapAllocate(…)`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal Takes a reference for a receiver and describes the block. */
  toHandle(): BlockHandle {
    if (this.#released) throw closedError('this HeapBlock (released)');
    Atomics.add(this.#arena.words, ((this.byteOffset - kBlockHeaderBytes) >> 2) + kRefcount, 1);
    return {
      arena: this.#arena.name,
      offset: this.byteOffset,
      length: this.byteLength,
      generation: this.#generation,
    };
  }

  /** @internal Adopts the reference a sender took in `toHandle`. */
  static fromHandle(handle: BlockHandle): HeapBlock {
    const arena = attachArena(handle.arena);
    const h = (handle.offset - kBlockHeaderBytes) >> 2;
    if (
      Atomics.load(arena.words, h + kGeneration) !== handle.generation ||
      Atomics.load(arena.words, h + kRefcount) <= 0
    ) {
      throw new ProcessError(
        `stale heap block handle: ${handle.arena}@${handle.offset} was freed and reused`,
        'ERR_MP_STALE_HANDLE',
      );
    }
    return new HeapBlock(arena, handle.offset, handle.length);
  }
}

/** What travels for a `HeapBlock`. */
interface BlockHandle {
  arena: string;
  offset: number;
  length: number;
  generation: number;
}

/**
 * Allocates a zero-filled block of `size` bytes (16-byte aligned) from this thread's arenas,
 * creating an arena when none has room.
 *
 * @example
 * ```ts
 * const locks = Array.from({ length: 10_000 }, () => heapAllocate(4)); // a handful of segments
 * ```
 */
export function heapAllocate(size: number): HeapBlock {
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    throw invalidArgument('size', 'a positive integer', size);
  }
  if (size > 1 << kMaxClassShift) {
    const bytes = kHeaderBytes + kBlockHeaderBytes + Math.ceil(size / 16) * 16;
    const arena = newArena(bytes);
    const w = arena.words;
    const offset = kHeaderBytes + kBlockHeaderBytes;
    const h = (offset - kBlockHeaderBytes) >> 2;
    w[h + kClass] = kLargeClass;
    w[kBumpWord] = bytes;
    Atomics.store(w, h + kGeneration, 1);
    Atomics.store(w, h + kRefcount, 1);
    return new HeapBlock(arena, offset, size);
  }
  const cls = classOf(size);
  const classBytes = 1 << (cls + kMinClassShift);
  for (let i = heap.own.length - 1; i >= 0; i--) {
    const arena = heap.own[i]!;
    const offset = allocateIn(arena, cls, classBytes);
    if (offset !== 0) return zeroed(new HeapBlock(arena, offset, size), classBytes);
  }
  const arena = newArena(kArenaBytes);
  heap.own.push(arena);
  return zeroed(new HeapBlock(arena, allocateIn(arena, cls, classBytes), size), classBytes);
}

function zeroed(block: HeapBlock, bytes: number): HeapBlock {
  new Uint8Array(block.buffer, block.byteOffset, bytes).fill(0);
  return block;
}

/**
 * Figures about this thread's heap, for tests and diagnostics.
 *
 * @example
 * ```ts
 * const { ownArenas }: HeapStats = heapStats();
 * ```
 */
export interface HeapStats {
  /** Arenas this thread created (and allocates from). */
  readonly ownArenas: number;
  /** Arenas this thread has mapped, its own included. */
  readonly mappedArenas: number;
}

/**
 * How many arenas this thread created and mapped.
 *
 * @example
 * ```ts
 * heapStats(); // → { ownArenas: 1, mappedArenas: 1 }
 * ```
 */
export function heapStats(): HeapStats {
  return { ownArenas: heap.own.length, mappedArenas: heap.mapped.size };
}

registerShareable<HeapBlock>({
  name: 'multiproc.HeapBlock',
  Class: HeapBlock,
  module: import.meta.url,
  toHandle: (block) => block.toHandle(),
  fromHandle: (data) => HeapBlock.fromHandle(data as BlockHandle),
});
