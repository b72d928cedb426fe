/**
 * The mutex engine behind `Lock`, `RLock` (and the internal lock of `Barrier`): a futex mutex
 * whose state word holds the owner, with eventual fairness and owner-death recovery.
 *
 * Layout (a 32-byte heap block, Int32 words):
 *
 * ```
 *  word  0        1         2            3        4        5 … 7
 *      ┌────────┬─────────┬────────────┬────────┬────────┬────────┐
 *      │ state  │ waiters │ hand until │ count  │ chain  │ unused │
 *      └────────┴─────────┴────────────┴────────┴────────┴────────┘
 *
 *  state:  bit 31      bit 30     bits 0-29
 *         ┌─────────┬──────────┬──────────────────────────────────┐
 *         │ WAITERS │ HANDOFF  │ owner token (kernel thread id)   │   0 = free
 *         └─────────┴──────────┴──────────────────────────────────┘
 * ```
 *
 * - **Uncontended** acquire is one `compareExchange(state, 0 → me)`, release one
 *   `compareExchange(state, me → 0)`: pure `Atomics`, no native call.
 * - **Contended**: a waiter registers (`waiters`+1), sets WAITERS in the state word and sleeps
 *   on the word with the native futex. A release that finds WAITERS set (its fast
 *   `compareExchange` fails) frees the word and wakes one sleeper. Only sleepers need a wake, and
 *   every sleeper sleeps on a value with WAITERS set, so no wake-up is lost; a waiter that takes
 *   the lock sets WAITERS again if others are registered.
 * - **Eventual fairness** (as Go's `sync.Mutex`): barging is allowed — a releasing thread may take
 *   the lock straight back, which is what makes contended throughput high — until a waiter has
 *   slept and waited {@link kStarvingAfterMs}. It is then *starving*: before each of its sleeps it
 *   sets `hand until` to {@link kStarvingHoldMs} from now (0 = nobody starving), and until then
 *   every contended release *hands the lock over*: the word becomes HANDOFF (locked, no owner) and
 *   one sleeper is woken. Only a waiter that has slept at least once may take a HANDOFF word, so
 *   the releaser coming straight back cannot, nor can one whose sleep ended by its timeout (the
 *   release woke another), unless the word stayed HANDOFF for that whole sleep: then the waiter it
 *   was handed to died, and any may take it. The futex wakes sleepers in arrival order, so the
 *   starving waiter is reached within a few hand-overs. A hand-over that woke nobody is undone (the
 *   word goes back to free). A starving waiter that gets the lock (or gives up) clears `hand until`
 *   if it is still the value it wrote; one killed while waiting stops renewing it, so the lock goes
 *   back to normal mode by itself within {@link kStarvingHoldMs} (a count of starving waiters would
 *   stay raised for ever).
 * - **Owner death**: a waiter sleeps at most {@link kOwnerCheckMs} at a time; after each such
 *   timeout it asks whether the owner in the word still lives (`kill(tid, 0)`, `isOwnerAlive` of
 *   `@multiproc/shared-memory/internal`) and if not, takes the word over with `compareExchange`
 *   and reports `lastOwnerDied`. A non-blocking attempt that finds the lock held checks the owner
 *   at once.
 * - **count** is the `RLock` recursion depth and **chain** the owning async chain of the owning
 *   thread (chain.ts), both touched by the owner only. Another chain of the owning thread finds
 *   the word held and waits like any other waiter; only a blocking (sync) wait is refused, since
 *   it would stop the one thread that can release.
 */
import { futexWake } from '@multiproc/native';
import { isOwnerAlive, kTokenMask, selfToken } from '@multiproc/shared-memory/internal';
import { expired, now, sliceUntil, type Waiting } from './wait.js';

export const kMutexBytes = 32;
export const kMutexWords = 8;
const kState = 0;
const kWaiters = 1;
const kStarving = 2;
const kCount = 3;
const kChain = 4;

const kWaitersBit = 1 << 31; // negative as an int32
const kHandoff = 1 << 30;
const kHandoffWaiting = kHandoff | kWaitersBit;

/**
 * The longest a waiter sleeps before checking that the owner still lives: the delay before a
 * lock whose owner died (even by SIGKILL) is taken over.
 */
export const kOwnerCheckMs = 100;

/**
 * How long a waiter waits, having slept at least once, before releases hand the lock over
 * instead of letting the releaser barge back in. Go's `sync.Mutex` uses 1 ms; measured here
 * with 4 processes hammering one lock (see the package README).
 */
export const kStarvingAfterMs = 1;

/**
 * How long releases keep handing over after a starving waiter last renewed `hand until`. A
 * starving waiter renews it before every sleep, and sleeps at most {@link kOwnerCheckMs}, so
 * it lapses only when that waiter is gone: this bounds hand-over mode after a waiter is killed.
 */
export const kStarvingHoldMs = 2 * kOwnerCheckMs;

/**
 * `hand until` packs a time, in the low 22 bits of milliseconds on the machine's monotonic clock
 * (which every process and thread reads alike, where `performance.now()` counts from each
 * process's start; they wrap every 70 minutes, and only differences under 35 minutes are
 * compared), above the low 10 bits of the writer's token. Two starving waiters that write in the
 * same millisecond then rarely write the same value, so the one that leaves does not clear the
 * other's.
 */
const me = selfToken;
const kTimeShift = 10;
const kTimeMask = (1 << 22) - 1;

function clockMs(): number {
  const [seconds, nanos] = process.hrtime();
  return (seconds * 1000 + Math.floor(nanos / 1e6)) & kTimeMask;
}

function handUntilValue(): number {
  return (((clockMs() + kStarvingHoldMs) & kTimeMask) << kTimeShift) | (me & 0x3ff) || 1;
}

/** Whether `hand until` value `until` (non-zero) is still in the future. */
function inFuture(until: number): boolean {
  const left = ((until >>> kTimeShift) - clockMs()) & kTimeMask;
  return left !== 0 && left < kTimeMask >>> 1;
}

/** Who may call `release()`: anyone (`Lock`, as in Python), or only the owner (`RLock`). */
export type MutexKind = 'lock' | 'rlock';

/** Why a release was refused. */
export type ReleaseError = 'unlocked' | 'not-owner' | 'other-chain';

/** The engine; one per handle object, over the shared words. */
export class MutexCore {
  readonly words: Int32Array;
  readonly recursive: boolean;
  /** Whether the last acquire through this handle took the lock over from a dead owner. */
  lastOwnerDied = false;
  /**
   * The object that owns the words (the lock, holding the heap block): a pending async acquire
   * holds this core, so the block cannot be collected and reused under it.
   */
  readonly owner: object | undefined;

  constructor(words: Int32Array, kind: MutexKind, owner?: object) {
    this.words = words;
    this.recursive = kind === 'rlock';
    this.owner = owner;
  }

  /** One `compareExchange`: true if the lock was free (or, for an RLock, already `chain`'s). */
  tryFast(chain = 0): boolean {
    const w = this.words;
    const old = Atomics.compareExchange(w, kState, 0, me);
    if (old === 0) {
      if (this.recursive) {
        w[kCount] = 1;
        w[kChain] = chain;
      }
      if (this.lastOwnerDied) this.lastOwnerDied = false;
      return true;
    }
    if (this.recursive && (old & kTokenMask) === me && w[kChain] === chain) {
      w[kCount] = w[kCount]! + 1;
      return true;
    }
    return false;
  }

  /**
   * The slow path, after `tryFast` failed. `deadline`: `null` for a single attempt, `undefined`
   * for none, else an absolute `now()` time.
   */
  *acquire(deadline: number | undefined | null, chain = 0): Waiting<boolean> {
    const w = this.words;
    let s = Atomics.load(w, kState);
    if (s === 0 && Atomics.compareExchange(w, kState, 0, me) === 0) return this.#took(false, chain);
    if (deadline === null) return this.#takeFromDead(s, 0, chain);
    Atomics.add(w, kWaiters, 1);
    let slept = false;
    // Whether the last sleep ended by its timeout: then no release woke this waiter, and a
    // HANDOFF word it finds is another's (see below).
    let timedOut = false;
    // The `hand until` this waiter last wrote; 0 while it is not starving.
    let handUntil = 0;
    const start = now();
    try {
      for (;;) {
        s = Atomics.load(w, kState);
        // Free, or handed over to the waiters that have slept: take it, keeping WAITERS set
        // when others wait, so that our release wakes one of them.
        if (s === 0 || (slept && !timedOut && (s & kHandoff) !== 0)) {
          const next = Atomics.load(w, kWaiters) > 1 ? me | kWaitersBit : me;
          if (Atomics.compareExchange(w, kState, s, next) === s) return this.#took(false, chain);
          continue;
        }
        if (expired(deadline)) return false;
        if ((s & kWaitersBit) === 0) {
          if (Atomics.compareExchange(w, kState, s, s | kWaitersBit) !== s) continue;
          s |= kWaitersBit;
        }
        if (slept && (handUntil !== 0 || now() - start >= kStarvingAfterMs)) {
          handUntil = handUntilValue();
          Atomics.store(w, kStarving, handUntil);
        }
        const timeout = sliceUntil(deadline, kOwnerCheckMs);
        const result = yield {
          view: w,
          index: kState,
          expected: s,
          timeout,
          exclusive: true,
          // Only the owner check ends this sleep, not the caller's deadline: the first waiter
          // in line of this thread checks for all.
          recheck: deadline === undefined || deadline - now() > timeout,
        };
        slept = true;
        timedOut = result === 'timed-out';
        if (timedOut && Atomics.load(w, kState) === s) {
          if ((s & kHandoff) === 0) {
            if (this.#takeFromDead(s, 1, chain)) return true;
          } else {
            // Handed over a whole slice ago and still not taken: the waiter it was handed to
            // died (or never came). Take it as if woken.
            timedOut = false;
          }
        }
      }
    } finally {
      // Another starving waiter may have written the same value (see kTimeShift); it writes it
      // again before its next sleep.
      if (handUntil !== 0) Atomics.compareExchange(w, kStarving, handUntil, 0);
      Atomics.sub(w, kWaiters, 1);
    }
  }

  /** Takes the lock if the owner in state `s` is dead; `self` is 1 if we are a registered waiter. */
  #takeFromDead(s: number, self: number, chain: number): boolean {
    const owner = s & kTokenMask;
    if (owner === 0 || (s & kHandoff) !== 0 || isOwnerAlive(owner)) return false;
    const w = this.words;
    const next = Atomics.load(w, kWaiters) > self ? me | kWaitersBit : me;
    if (Atomics.compareExchange(w, kState, s, next) !== s) return false;
    return this.#took(true, chain);
  }

  #took(ownerDied: boolean, chain: number): true {
    if (this.recursive) {
      this.words[kCount] = 1;
      this.words[kChain] = chain;
    }
    this.lastOwnerDied = ownerDied;
    return true;
  }

  /**
   * Releases one level. Returns an error kind instead of throwing, so each shell words its own
   * message. A `Lock` may be released by anyone while locked; an `RLock` only by its owner.
   */
  release(chain = 0): ReleaseError | undefined {
    const w = this.words;
    if (this.recursive) {
      const s = Atomics.load(w, kState);
      if ((s & kTokenMask) !== me) return (s & kTokenMask) === 0 ? 'unlocked' : 'not-owner';
      if (w[kChain] !== chain) return 'other-chain';
      const count = w[kCount]!;
      if (count > 1) {
        w[kCount] = count - 1;
        return undefined;
      }
      w[kCount] = 0;
    }
    if (Atomics.compareExchange(w, kState, me, 0) === me) return undefined;
    return this.#releaseSlow();
  }

  #releaseSlow(): ReleaseError | undefined {
    const w = this.words;
    for (;;) {
      const s = Atomics.load(w, kState);
      if ((s & kTokenMask) === 0) return 'unlocked'; // free, or between owners
      if ((s & kWaitersBit) === 0) {
        if (Atomics.compareExchange(w, kState, s, 0) === s) return undefined;
        continue;
      }
      if (this.#unlockContended(s)) return undefined;
    }
  }

  /** Frees (or hands over) a word in state `s`, which has WAITERS set; false if `s` changed. */
  #unlockContended(s: number): boolean {
    const w = this.words;
    if (this.handsOver()) {
      if (Atomics.compareExchange(w, kState, s, kHandoffWaiting) !== s) return false;
      if (futexWake(w, kState, 1) === 0) {
        // Nobody was asleep to take it over: free it after all, and wake anyone who fell asleep
        // on the HANDOFF value in between.
        if (Atomics.compareExchange(w, kState, kHandoffWaiting, 0) === kHandoffWaiting) {
          futexWake(w, kState, 1);
        }
      }
      return true;
    }
    if (Atomics.compareExchange(w, kState, s, 0) !== s) return false;
    futexWake(w, kState, 1);
    return true;
  }

  /**
   * Whether a contended release hands the lock over now: a waiter starves and renewed
   * `hand until` within {@link kStarvingHoldMs}. A lapsed value is cleared on the way.
   */
  handsOver(): boolean {
    const w = this.words;
    const until = Atomics.load(w, kStarving);
    if (until === 0) return false;
    if (inFuture(until)) return true;
    Atomics.compareExchange(w, kStarving, until, 0);
    return false;
  }

  /** Whether the calling thread holds the lock (for an RLock, as `chain`). */
  owned(chain = 0): boolean {
    if ((Atomics.load(this.words, kState) & kTokenMask) !== me) return false;
    return !this.recursive || this.words[kChain] === chain;
  }

  heldByOtherChain(chain: number): boolean {
    return (
      this.recursive &&
      (Atomics.load(this.words, kState) & kTokenMask) === me &&
      this.words[kChain] !== chain
    );
  }

  heldByThisThread(): boolean {
    return (Atomics.load(this.words, kState) & kTokenMask) === me;
  }

  locked(): boolean {
    return Atomics.load(this.words, kState) !== 0;
  }

  /** For `Condition.wait`: releases every level held and returns how many there were. */
  releaseAll(chain: number): number {
    const levels = this.recursive ? this.words[kCount]! : 1;
    if (this.recursive) this.words[kCount] = 1;
    this.release(chain);
    return levels;
  }

  /** For `Condition.wait`: takes the lock again with `levels` levels. */
  *reacquire(levels: number, chain: number): Waiting<void> {
    if (!this.tryFast(chain)) yield* this.acquire(undefined, chain);
    if (this.recursive) this.words[kCount] = levels;
  }
}
