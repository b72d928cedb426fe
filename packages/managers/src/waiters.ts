/**
 * A FIFO of waiting callers for the server's queues and locks. A waiter leaves when it is served,
 * when its timeout passes, or when its caller gives up (the call's signal), whichever is first.
 */
import { TimeoutError, invalidArgument } from '@multiproc/serialize';
import { callContext, whenAborted } from './call-context.js';

/** The API.md timeout rule: `undefined`/`null` waits forever, `<= 0` does not wait. */
export function checkTimeout(value: unknown, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value))
    throw invalidArgument(path, 'a number of milliseconds', value);
  return value === Infinity ? null : Math.max(0, value);
}

interface Waiter<T> {
  owner: number;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  done: boolean;
}

/** Callers waiting their turn, served oldest first. */
export class WaitQueue<T> {
  #items: Waiter<T>[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Waits until `serve` hands this caller a value; rejects with `onTimeout()` after `timeout` ms
   * and with the abort reason when the caller gives up.
   */
  wait(
    timeout: number | null,
    onTimeout: () => Error = () => new TimeoutError('timed out'),
  ): Promise<T> {
    const { owner, signal } = callContext();
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = whenAborted(signal, () => finish(() => reject(signal.reason as Error)));
      const waiter: Waiter<T> = {
        owner,
        done: false,
        resolve: (v) => finish(() => resolve(v)),
        reject: (e) => finish(() => reject(e)),
      };
      const finish = (settle: () => void) => {
        if (waiter.done) return;
        waiter.done = true;
        if (timer) clearTimeout(timer);
        stop();
        settle();
      };
      if (timeout !== null) timer = setTimeout(() => waiter.reject(onTimeout()), timeout);
      this.#items.push(waiter);
    });
  }

  /** The oldest caller still waiting, removed from the queue. */
  take(): Waiter<T> | undefined {
    while (this.#head < this.#items.length) {
      const waiter = this.#items[this.#head++] as Waiter<T>;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (!waiter.done) return waiter;
    }
    return undefined;
  }

  /** Whether a caller is still waiting (drops those that gave up). */
  peek(): boolean {
    while (this.#head < this.#items.length && (this.#items[this.#head] as Waiter<T>).done)
      this.#head++;
    return this.#head < this.#items.length;
  }

  /** Rejects every waiting caller. */
  rejectAll(error: Error): void {
    for (let w = this.take(); w; w = this.take()) w.reject(error);
  }
}
