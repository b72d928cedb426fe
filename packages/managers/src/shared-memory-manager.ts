/**
 * `SharedMemoryManager`: a manager whose server creates shared memory segments on request and
 * unlinks every one of them at `shutdown()` (or when its process ends, through the resource
 * tracker, however it ends).
 */
import { SharedMemory, ShareableList, type ShareableValue } from '@multiproc/shared-memory';
import { ProcessError } from '@multiproc/serialize';
import { BaseManager, type StartOptions } from './manager.js';
import type { BaseProxy } from './proxy.js';
import { SegmentTracker } from './referent-segments.js';

/**
 * A manager of shared memory segments: each `SharedMemory(size)`/`ShareableList(seq)` is created
 * by the server and attached here; `shutdown()` unlinks them all.
 *
 * @example
 * ```ts
 * await using smm = new SharedMemoryManager();
 * await smm.start();
 * const shm = await smm.SharedMemory(128);
 * const sl = await smm.ShareableList([1, 'two', null]);
 * ```
 */
export class SharedMemoryManager extends BaseManager {
  static {
    this.register('SegmentTracker', { callable: SegmentTracker, createMethod: false });
  }

  #tracker: BaseProxy | null = null;

  override async start(options?: StartOptions): Promise<void> {
    await super.start(options);
    this.#tracker = await this.create('SegmentTracker');
  }

  override async connect(): Promise<void> {
    await super.connect();
    this.#tracker = await this.create('SegmentTracker');
  }

  /** A new segment of `size` bytes, attached in this process. */
  async SharedMemory(size: number): Promise<SharedMemory> {
    const name = (await this.#trackerProxy().callMethod('create', [size])) as string;
    return new SharedMemory({ name });
  }

  /** A new `ShareableList` holding `sequence`, attached in this process. */
  async ShareableList(sequence: Iterable<ShareableValue>): Promise<ShareableList> {
    const name = (await this.#trackerProxy().callMethod('createList', [[...sequence]])) as string;
    return new ShareableList(null, { name });
  }

  #trackerProxy(): BaseProxy {
    if (!this.#tracker) {
      throw new ProcessError(
        'SharedMemoryManager: call start() or connect() first',
        'ERR_MP_MANAGER_STATE',
      );
    }
    return this.#tracker;
  }
}
