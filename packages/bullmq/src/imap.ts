/**
 * `imap` and `imapUnordered` on Redis: the source is read only as fast as the consumer takes
 * results, with at most `maxInFlight` chunks submitted and not yet consumed, so an endless
 * generator runs in constant memory. Each item settles on its own (an item that threw makes
 * `next()` reject at its position and iteration goes on); an error that ends the iteration
 * (the source threw, an item cannot be sent, abort, terminate) comes after every result before it.
 */
import { TimeoutError, assertSendable, type FunctionSpec } from '@multiproc/serialize';
import type { IMapIterator } from '@multiproc/pool';
import {
  createIMapIterator,
  readChunks,
  type ChunkRead,
  type IMapDriver,
  type Source,
} from '@multiproc/pool/internal';
import { abortError, watchSignal } from './calls.js';
import type { ChunkOwner, ChunkRecord, Engine } from './engine.js';
import type { ProgressEvent } from './options.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
}

export interface IMapCallOptions {
  ordered: boolean;
  star: boolean;
  chunksize: number;
  maxInFlight: number;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((event: ProgressEvent) => void) | undefined;
}

class IMapCall implements ChunkOwner, IMapDriver {
  readonly method: string;
  readonly #engine: Engine;
  readonly #fn: FunctionSpec;
  readonly #source: Source;
  readonly #options: IMapCallOptions;
  #nextItem = 0;
  #nextChunk = 0;
  /** chunks submitted and not fully consumed */
  #inFlight = 0;
  #pulling = false;
  #exhausted = false;
  #terminal: { error: unknown } | null = null;
  #closed = false;
  #callOpen = true;
  /** submission index of each outstanding chunk */
  readonly #order = new Map<ChunkRecord, number>();
  /** finished chunks not yet consumed, by submission index (ordered) */
  readonly #byIndex = new Map<number, Outcome[]>();
  /** finished chunks in arrival order (unordered) */
  readonly #arrived: Outcome[][] = [];
  #nextDeliver = 0;
  #current: { items: Outcome[]; pos: number } | null = null;
  readonly #waiters: Waiter[] = [];
  readonly #unwatch: () => void;

  constructor(
    engine: Engine,
    method: string,
    fn: FunctionSpec,
    source: Source,
    options: IMapCallOptions,
  ) {
    this.#engine = engine;
    this.method = method;
    this.#fn = fn;
    this.#source = source;
    this.#options = options;
    engine.openCall(this);
    const { signal } = options;
    this.#unwatch = watchSignal(signal, () => this.end(abortError(method, signal as AbortSignal)));
    this.#pull();
  }

  #wantsMore(): boolean {
    return !this.#exhausted && !this.#closed && this.#inFlight < this.#options.maxInFlight;
  }

  #pull(): void {
    if (this.#pulling) return;
    this.#pulling = true;
    void readChunks(
      this.#source,
      this.#options.chunksize,
      () => this.#wantsMore(),
      (read) => this.#submit(read),
    )
      .catch((error: unknown) => this.end(error))
      .finally(() => {
        this.#pulling = false;
        this.#deliver();
      });
  }

  #submit({ chunk, done, failed }: ChunkRead): void {
    if (this.#closed) return;
    if (done || failed) this.#exhausted = true;
    if (failed) this.#terminal = failed;
    let items = chunk;
    for (let i = 0; i < chunk.length; i++) {
      try {
        assertSendable(chunk[i], `items[${this.#nextItem + i}]`);
      } catch (error) {
        // An item that cannot be sent ends the iteration there; the items before it still run.
        items = chunk.slice(0, i);
        this.#exhausted = true;
        this.#terminal = { error };
        break;
      }
    }
    if (items.length > 0) {
      const record = this.#engine.submit(
        this,
        this.#fn,
        items,
        this.#nextItem,
        this.#options.star,
        this.#options.timeout,
      );
      this.#nextItem += items.length;
      this.#order.set(record, this.#nextChunk++);
      this.#inFlight++;
    }
    if (this.#exhausted) this.#closeCall();
  }

  #closeCall(): void {
    if (!this.#callOpen) return;
    this.#callOpen = false;
    this.#engine.closeCall(this);
  }

  #place(record: ChunkRecord, items: Outcome[]): void {
    const index = this.#order.get(record);
    if (index === undefined) return;
    this.#order.delete(record);
    if (this.#options.ordered) this.#byIndex.set(index, items);
    else this.#arrived.push(items);
    this.#deliver();
  }

  complete(record: ChunkRecord, values: unknown[], errors: Map<number, unknown>): void {
    const items: Outcome[] = [];
    for (let i = 0; i < record.count; i++) {
      items.push(
        errors.has(i) ? { ok: false, error: errors.get(i) } : { ok: true, value: values[i] },
      );
    }
    this.#place(record, items);
  }

  fail(record: ChunkRecord, error: unknown): void {
    this.#place(
      record,
      Array.from({ length: record.count }, () => ({ ok: false, error }) as const),
    );
  }

  progress(_record: ChunkRecord, index: number, value: unknown): void {
    if (!this.#closed) this.#options.onProgress?.({ index, value });
  }

  /** Ends the iteration after what has arrived (terminate, abort). */
  end(error: unknown): void {
    if (this.#closed || (this.#exhausted && this.#terminal)) return;
    this.#exhausted = true;
    this.#terminal = { error };
    this.#engine.drop(this.#order.keys());
    this.#inFlight -= this.#order.size;
    this.#order.clear();
    this.#unwatch();
    this.#closeCall();
    this.#deliver();
  }

  /** The next finished segment to consume, if any. */
  #take(): { items: Outcome[]; pos: number } | null {
    if (this.#current && this.#current.pos < this.#current.items.length) return this.#current;
    if (this.#current) {
      this.#current = null;
      this.#inFlight--;
      this.#nextDeliver++;
      if (this.#wantsMore()) this.#pull();
    }
    const items = this.#options.ordered
      ? this.#byIndex.get(this.#nextDeliver)
      : this.#arrived.shift();
    if (!items) return null;
    this.#byIndex.delete(this.#nextDeliver);
    this.#current = { items, pos: 0 };
    return this.#current;
  }

  #deliver(): void {
    while (this.#waiters.length > 0) {
      const segment = this.#take();
      if (segment) {
        const waiter = this.#waiters.shift() as Waiter;
        const outcome = segment.items[segment.pos++] as Outcome;
        clearTimeout(waiter.timer);
        if (outcome.ok) waiter.resolve({ done: false, value: outcome.value });
        else waiter.reject(outcome.error);
        continue;
      }
      if (!this.#exhausted || this.#inFlight > 0 || this.#pulling) return;
      const waiter = this.#waiters.shift() as Waiter;
      clearTimeout(waiter.timer);
      if (this.#terminal) {
        const { error } = this.#terminal;
        this.#terminal = null;
        waiter.reject(error);
      } else {
        this.#finishIteration();
        waiter.resolve({ done: true, value: undefined });
      }
    }
  }

  #finishIteration(): void {
    this.#closed = true;
    this.#unwatch();
  }

  next(timeout: number | null | undefined): Promise<IteratorResult<unknown>> {
    timeout ??= undefined;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      return Promise.reject(
        new TypeError(`timeout must be a non-negative number of ms, got ${String(timeout)}`),
      );
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      this.#waiters.push(waiter);
      if (timeout !== undefined) {
        waiter.timer = setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at < 0) return;
          this.#waiters.splice(at, 1);
          reject(
            new TimeoutError(`no result within ${timeout} ms; it stays pending for the next call`),
          );
        }, timeout);
      }
      this.#deliver();
    });
  }

  return(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#exhausted = true;
    this.#unwatch();
    this.#engine.drop(this.#order.keys());
    this.#order.clear();
    this.#closeCall();
    const iterator = this.#source.iterator;
    try {
      void Promise.resolve(iterator.return?.()).catch(() => {});
    } catch {
      // a source whose return() throws is closed anyway
    }
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve({ done: true, value: undefined });
    }
  }
}

/** Starts an imap call and returns its iterator. */
export function startIMap<R>(
  engine: Engine,
  method: string,
  fn: FunctionSpec,
  source: Source,
  options: IMapCallOptions,
): IMapIterator<R> {
  return createIMapIterator<R>(new IMapCall(engine, method, fn, source, options));
}
