/**
 * The synchronization referents a `SyncManager` serves: locks, semaphores, a condition, an event
 * and a barrier living in the server process. Ownership is per client connection, so a client
 * that dies holding a lock releases it (CPython's manager keeps it locked forever).
 */
import { BrokenBarrierError, ProcessError, invalidArgument } from '@multiproc/serialize';
import { callContext, withCallContext } from './call-context.js';
import { localReferentOf, releaseDropped } from './proxy.js';
import { kOwnerGone, kReferentClose } from './referent-hooks.js';
import { WaitQueue, checkTimeout } from './waiters.js';

/** Options of `acquire`. */
export interface AcquireOptions {
  /** @default true */
  block?: boolean | undefined;
  timeout?: number | null | undefined;
}

function acquireTimeout(options: AcquireOptions | boolean | undefined): number | null {
  if (options === undefined) return null;
  if (typeof options === 'boolean') return options ? null : 0;
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('acquire options', 'an options object', options);
  if (options.block === false) return 0;
  return checkTimeout(options.timeout, 'acquire options.timeout');
}

async function waitTurn(waiters: WaitQueue<boolean>, timeout: number | null): Promise<boolean> {
  if (timeout === 0) return false;
  try {
    return await waiters.wait(timeout);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MP_TIMEOUT') return false;
    throw error;
  }
}

/** A counting semaphore; the base of the locks. */
export class SemaphoreReferent {
  protected value: number;
  protected readonly waiters = new WaitQueue<boolean>();

  constructor(value: unknown = 1) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw invalidArgument('Semaphore value', 'a non-negative integer', value);
    }
    this.value = value;
  }
  async acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    const timeout = acquireTimeout(options);
    if (this.value > 0 && !this.waiters.peek()) {
      this.value--;
      return true;
    }
    return waitTurn(this.waiters, timeout);
  }
  release(): void {
    const next = this.waiters.take();
    if (next) next.resolve(true);
    else this.value++;
  }
  getValue(): number {
    return this.value;
  }
}

/** A semaphore that refuses to be released above its initial value. */
export class BoundedSemaphoreReferent extends SemaphoreReferent {
  readonly #initial: number;
  constructor(value: unknown = 1) {
    super(value);
    this.#initial = this.value;
  }
  override release(): void {
    if (this.value >= this.#initial && !this.waiters.peek()) {
      throw new ProcessError('BoundedSemaphore released too many times', 'ERR_MP_VALUE');
    }
    super.release();
  }
}

/** A lock that any client may release; released for good when its holder disconnects. */
export class LockReferent {
  protected owner = 0;
  protected held = false;
  protected readonly waiters = new WaitQueue<boolean>();

  async acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    const timeout = acquireTimeout(options);
    const { owner } = callContext();
    if (!this.held) {
      this.held = true;
      this.owner = owner;
      return true;
    }
    const got = await waitTurn(this.waiters, timeout);
    if (got) this.owner = owner;
    return got;
  }
  release(): void {
    if (!this.held) throw new ProcessError('release of an unlocked lock', 'ERR_MP_VALUE');
    this.handOver();
  }
  locked(): boolean {
    return this.held;
  }
  protected handOver(): void {
    const next = this.waiters.take();
    if (next) next.resolve(true);
    else this.held = false;
  }
  [kOwnerGone](owner: number): void {
    if (this.held && this.owner === owner) this.handOver();
  }
}

/** A re-entrant lock owned by one client connection. */
export class RLockReferent extends LockReferent {
  #count = 0;

  override async acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    const { owner } = callContext();
    if (this.held && this.owner === owner) {
      this.#count++;
      return true;
    }
    const got = await super.acquire(options);
    if (got) this.#count = 1;
    return got;
  }
  override release(): void {
    if (!this.held || this.owner !== callContext().owner) {
      throw new ProcessError('cannot release an RLock this client does not own', 'ERR_MP_VALUE');
    }
    if (--this.#count === 0) this.handOver();
  }
  override [kOwnerGone](owner: number): void {
    if (this.held && this.owner === owner) {
      this.#count = 0;
      this.handOver();
    }
  }
  /** The recursion depth, for `Condition`. */
  depth(): number {
    return this.#count;
  }
}

/** A condition variable over its own `RLock`, or over a `Lock`/`RLock` of the same server. */
export class ConditionReferent {
  readonly #lock: LockReferent;
  /** The proxy of a given lock: it holds the lock's referent as long as this condition lives. */
  readonly #lockProxy: unknown;
  readonly #waiters = new WaitQueue<boolean>();

  constructor(lock?: unknown) {
    if (lock === undefined || lock === null) {
      this.#lock = new RLockReferent();
      return;
    }
    const referent = localReferentOf(lock);
    if (!(referent instanceof LockReferent)) {
      throw invalidArgument('Condition lock', 'a Lock or RLock proxy of this manager', lock);
    }
    this.#lock = referent;
    this.#lockProxy = lock;
  }

  acquire(options?: AcquireOptions | boolean): Promise<boolean> {
    return this.#lock.acquire(options);
  }
  release(): void {
    this.#lock.release();
  }
  async wait(timeout?: number | null): Promise<boolean> {
    const ms = checkTimeout(timeout, 'wait timeout');
    const context = callContext();
    if (!this.#lock.locked() || this.#lockOwner() !== context.owner) {
      throw new ProcessError('cannot wait on an un-acquired Condition', 'ERR_MP_VALUE');
    }
    // A plain Lock is held once; an RLock as deep as its owner went (all of it is let go).
    const depth = this.#lock instanceof RLockReferent ? this.#lock.depth() : 1;
    for (let i = 0; i < depth; i++) this.#lock.release();
    let notified = false;
    try {
      notified = await waitTurn(this.#waiters, ms);
    } finally {
      // Re-take the lock as the same owner, however the wait ended (after an await, the current
      // call context is no longer this caller's).
      for (let i = 0; i < depth; i++) await withCallContext(context, () => this.#lock.acquire());
    }
    return notified;
  }
  notify(n = 1): void {
    for (let i = 0; i < n; i++) {
      const next = this.#waiters.take();
      if (!next) break;
      next.resolve(true);
    }
  }
  notifyAll(): void {
    this.notify(Infinity);
  }
  #lockOwner(): number {
    return (this.#lock as unknown as { owner: number }).owner;
  }
  [kOwnerGone](owner: number): void {
    // A lock given to this condition is a referent of its own, told by the server directly.
    if (this.#lockProxy === undefined) this.#lock[kOwnerGone](owner);
  }
  [kReferentClose](): void {
    releaseDropped(this.#lockProxy);
  }
}

/** An event flag. */
export class EventReferent {
  #set = false;
  readonly #waiters = new WaitQueue<boolean>();

  isSet(): boolean {
    return this.#set;
  }
  set(): void {
    this.#set = true;
    for (let w = this.#waiters.take(); w; w = this.#waiters.take()) w.resolve(true);
  }
  clear(): void {
    this.#set = false;
  }
  async wait(timeout?: number | null): Promise<boolean> {
    const ms = checkTimeout(timeout, 'wait timeout');
    if (this.#set) return true;
    return waitTurn(this.#waiters, ms);
  }
}

/** A barrier for `parties` callers. */
export class BarrierReferent {
  readonly #parties: number;
  readonly #timeout: number | null;
  #waiting = new WaitQueue<number>();
  #count = 0;
  #broken = false;

  constructor(parties: unknown, options: { timeout?: number | null } = {}) {
    if (typeof parties !== 'number' || !Number.isSafeInteger(parties) || parties < 1) {
      throw invalidArgument('Barrier parties', 'a positive integer', parties);
    }
    this.#parties = parties;
    this.#timeout = checkTimeout(options?.timeout, 'Barrier options.timeout');
  }
  async wait(timeout?: number | null): Promise<number> {
    if (this.#broken) throw new BrokenBarrierError('the barrier is broken');
    const ms = timeout === undefined ? this.#timeout : checkTimeout(timeout, 'wait timeout');
    const index = this.#count++;
    if (this.#count === this.#parties) {
      this.#count = 0;
      const waiting = this.#waiting;
      this.#waiting = new WaitQueue<number>();
      let i = 0;
      for (let w = waiting.take(); w; w = waiting.take()) w.resolve(i++);
      return index;
    }
    try {
      await this.#waiting.wait(ms);
      return index;
    } catch (error) {
      if (!(error instanceof BrokenBarrierError)) this.abort();
      throw error instanceof BrokenBarrierError
        ? error
        : new BrokenBarrierError('the barrier is broken');
    }
  }
  reset(): void {
    this.#fail();
    this.#broken = false;
  }
  abort(): void {
    this.#broken = true;
    this.#fail();
  }
  parties(): number {
    return this.#parties;
  }
  nWaiting(): number {
    return this.#count;
  }
  broken(): boolean {
    return this.#broken;
  }
  #fail(): void {
    this.#count = 0;
    this.#waiting.rejectAll(new BrokenBarrierError('the barrier is broken'));
  }
}
