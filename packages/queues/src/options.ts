/**
 * Options of the queues, and the checks that run before anything is written.
 */
import { optionsDeadline } from '@multiproc/native';
import { invalidArgument } from '@multiproc/serialize';
import { kDefaultCapacity, kDefaultMaxCapacity } from './layout.js';

/**
 * Options of `new Queue()` and `new JoinableQueue()`.
 *
 * @example
 * ```ts
 * const q = new Queue({ maxsize: 100 });
 * const same = new Queue(100);
 * ```
 */
export interface QueueOptions {
  /**
   * The most items the queue holds; a `put` beyond it waits (or throws `Full`). `0` means no
   * limit: `put` never waits (the ring grows, see `ringBytes`).
   * @default 0
   */
  maxsize?: number;
  /**
   * Bytes of the shared ring's first size (a multiple of 8, from 4096 to 1 GiB). When items
   * need more, the ring grows (to twice its size or more, up to `maxRingBytes`; it does not
   * shrink). An item whose encoding takes more than 2 MiB and more than half of the first ring
   * (or more than half of `maxRingBytes`) travels in a segment of its own instead.
   * @default 262144
   */
  ringBytes?: number;
  /**
   * The most bytes the ring grows to (a multiple of 8, from `ringBytes` to 1 GiB): the bound on
   * what one queue takes of /dev/shm for its ring. A `put` that finds the ring at this size
   * and full waits for room as it would at `maxsize` (`putNowait` throws `Full`).
   * @default 67108864 (64 MiB)
   */
  maxRingBytes?: number;
}

/**
 * Options of every `put` and `get`.
 *
 * @example
 * ```ts
 * await q.put(item, { timeout: 100 }); // Full after 100 ms
 * q.getSync({ block: false });         // Empty at once when there is nothing
 * ```
 */
export interface WaitOptions {
  /**
   * Wait for room (put) or an item (get); `false` makes one attempt and ignores `timeout`.
   * @default true
   */
  block?: boolean;
  /**
   * The longest wait in milliseconds: `undefined` or `null` waits forever, `0` or a negative
   * number does not wait; then `put` throws `Full` and `get` throws `Empty`.
   * @default undefined
   */
  timeout?: number | null;
}

/**
 * When a wait must end: `null` for one attempt, `undefined` for never, else a time on the
 * monotonic clock (`performance.now()`).
 */
export type Deadline = number | null | undefined;

/** Parses `{ block, timeout }`; throws a `TypeError` naming the bad option. */
export const deadlineOf = optionsDeadline as (options: WaitOptions | undefined) => Deadline;

/** Parses `maxsize`; `path` names it in the message. */
export function checkMaxsize(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw invalidArgument(path, 'a non-negative integer (at most 2147483647)', value);
  }
  return value;
}

/** What the constructor's argument asks for. */
export interface ParsedQueueOptions {
  maxsize: number;
  capacity: number;
  maxCapacity: number;
}

const kDefaults = { maxsize: 0, capacity: kDefaultCapacity, maxCapacity: kDefaultMaxCapacity };

function checkRingBytes(value: unknown, path: string, min: number, minText: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value % 8 !== 0 ||
    value < min ||
    value > 1 << 30
  ) {
    throw invalidArgument(path, `a multiple of 8 from ${minText} to 1073741824`, value);
  }
  return value;
}

/** Parses the constructor's argument: a maxsize, or options. */
export function parseQueueOptions(options: unknown): ParsedQueueOptions {
  if (options === undefined) return kDefaults;
  if (typeof options === 'number')
    return { ...kDefaults, maxsize: checkMaxsize(options, 'maxsize') };
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options', 'a maxsize number or an object like { maxsize }', options);
  }
  const { maxsize = 0, ringBytes = kDefaultCapacity, maxRingBytes } = options as QueueOptions;
  const max = checkMaxsize(maxsize, 'options.maxsize');
  const capacity = checkRingBytes(ringBytes, 'options.ringBytes', 4096, '4096');
  const maxCapacity =
    maxRingBytes === undefined
      ? Math.max(capacity, kDefaultMaxCapacity)
      : checkRingBytes(
          maxRingBytes,
          'options.maxRingBytes',
          capacity,
          `options.ringBytes (${capacity})`,
        );
  return { maxsize: max, capacity, maxCapacity };
}
