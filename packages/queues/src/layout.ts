/**
 * The layout of a queue's block: header words (Int32 indices), the two handle slots of a grown
 * ring, the record header and the record kinds, and the default sizes. The operations on it are
 * in ring.ts.
 *
 * One heap block holds everything (a block over 64 KiB is a segment of its own, see heap.ts);
 * each side writes its own 64-byte line on every operation, and the other side's only to read:
 *
 * ```
 *  byte 0        64            128           192           256           320            832
 *  ┌ shared ─────┬ producers ───┬ consumers ───┬ consumer    ┬ producer    ┬ 2 slots of   ┬ first
 *  │ magic sizes │ tail puts    │ head gets    │ sleepers:   │ sleepers:   │ 256 bytes:   │ ring:
 *  │ generation  │ putBytes     │ getBytes     │ putSeq      │ getSeq      │ a grown      │ records,
 *  │ grow log    │ tasks        │ tasksDone    │ sleepers    │ sleepers    │ ring's handle│ 8-aligned
 *  │ counters    │ tail's log   │ head's log   │ pending     │ pending     │              │
 *  └─────────────┴──────────────┴──────────────┴─────────────┴─────────────┴──────────────┴──────
 *
 *  record:  ┌──────────┬──────────┬──────────────────────────────┐
 *           │ length   │ kind     │ payload, padded to 8 bytes   │   kind: 1 inline item,
 *           │ (Int32)  │ (Int32)  │                              │   2 spilled item, 3 pad;
 *           │          │          │                              │   +4: a Buffer's raw bytes;
 *           │          │          │                              │   8 number, 9 string,
 *           │          │          │                              │   10-13 constants
 *           └──────────┴──────────┴──────────────────────────────┘
 * ```
 */

/** Header words, then the two handle slots of a grown ring's block; the first ring starts here. */
export const kHeaderBytes = 832;
export const kSlotsAt = 320;
/** A handle is ~160 bytes (msgpack of the arena's name, offset, length and generation). */
export const kSlotBytes = 256;
export const kHeaderWords = kSlotsAt / 4;
export const kMagicValue = 0x4d505132; // 'MPQ2': the layout with a lock per side

// Header words (Int32 indices). Shared, set when made or changed under both locks:
export const kMagic = 0;
export const kCapacity = 1;
export const kMaxsize = 2;
/** The ring size the queue was made with (the first ring, in the header's block). */
export const kBaseCapacity = 3;
/** The largest ring the queue grows to (`maxRingBytes`); past it, a put waits for room. */
export const kMaxCapacity = 4;
/** How many times the ring grew; generation g > 0 lives in the block named by slot g & 1. */
export const kGeneration = 5;
export const kSlotLength = 6; // and 7: bytes of the handle in slot 0 and 1, 0 when empty
/** Which sides' parts of a growth's commit are still to apply: kTailPart | kHeadPart. */
export const kGrowState = 8;
export const kGrowLog = 9; // … kGrowLog + 4: head, getBytes, tail, capacity, generation
export const kTailPart = 1;
export const kHeadPart = 2;
/**
 * Counters for tests and diagnostics: consumer wake-ups decided by puts and gets, and consumers
 * that registered to sleep. Batching means wakes <= 2 * sleeps.
 */
export const kConsumerWakes = 14;
export const kConsumerSleeps = 15;
// The producers' line, written under the tail lock:
export const kTail = 16;
/** Items ever put (wrapping); consumers watch this word for items. */
export const kPuts = 17;
export const kPutBytes = 18;
/** `JoinableQueue` tasks ever put. */
export const kTasks = 19;
export const kTailLogState = 20;
export const kTailLog = 21; // … kTailLog + 3: tail, puts, putBytes, tasks
// The consumers' line, written under the head lock:
export const kHead = 32;
export const kGets = 33;
export const kGetBytes = 34;
/** `taskDone()` calls ever made; `join()` sleeps on this word. */
export const kTasksDone = 35;
export const kHeadLogState = 36;
export const kHeadLog = 37; // … kHeadLog + 2: head, gets, getBytes
// Sleeping consumers (written when one sleeps or is woken):
/** Futex word consumers sleep on; bumped by a put (or a get) that finds sleepers. */
export const kPutSeq = 48;
export const kGetSleepers = 49;
export const kGetPending = 50;
// Sleeping producers:
/** Futex word producers sleep on; bumped by a get that finds sleepers. */
export const kGetSeq = 64;
export const kPutSleepers = 65;
export const kPutPending = 66;

// Record header (Int32 offsets from the record's first word).
export const kRecordHeaderBytes = 8;
// Record kinds. Msgpack payloads, and a `Buffer`'s bytes as they are (no msgpack copy):
export const kInline = 1;
export const kSpilled = 2;
export const kPad = 3;
export const kRawInline = 5;
export const kRawSpilled = 6;
// Primitives, written and read without msgpack (most items of a busy queue are small):
/** A number, as its 8 float64 bytes (which keep -0 and NaN). */
export const kNumber = 8;
/** A string, as UTF-8. */
export const kString = 9;
/** `undefined`, `null`, `false`, `true`: no payload. */
export const kUndefined = 10;
export const kNull = 11;
export const kFalse = 12;
export const kTrue = 13;

/** Whether a record holds a spilled block's handle (the item's bytes live in the block). */
export const isSpilled = (kind: number): boolean => kind === kSpilled || kind === kRawSpilled;

/**
 * The default size of the first ring in bytes: the ring grows when items need more, so this is
 * only what every queue takes of /dev/shm up front. On a loaded 2-vCPU VM the 1 MiB-item case
 * (bench `queue-throughput`) went at 1.2-1.5x CPython from a 256 KiB or a 4 MiB first ring
 * alike, within the noise; 1 MiB items spilled (a segment per item) went at ~100 MB/s.
 */
export const kDefaultCapacity = 256 << 10;
/**
 * The default bound on the ring's growth (`maxRingBytes`): what one queue takes of /dev/shm for
 * its ring at most, whatever producers put while no one reads. Without it, an unbounded queue
 * fed faster than it is drained grew until /dev/shm was full.
 */
export const kDefaultMaxCapacity = 64 << 20;
/**
 * Items up to this many payload bytes go through the ring (which grows to hold them), whatever
 * its first size: spilling costs a segment per item.
 */
export const kInlineFloor = 2 << 20;

export const align8 = (n: number): number => (n + 7) & ~7;
