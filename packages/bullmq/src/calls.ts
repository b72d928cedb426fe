/**
 * `apply`, `map` and `starmap` calls: every chunk is submitted at once and the call settles one
 * `AsyncResult` with all the values, or with the first error to arrive.
 */
import { AbortError, type FunctionSpec } from '@multiproc/serialize';
import { AsyncResult } from '@multiproc/pool';
import { settleAsyncResult } from '@multiproc/pool/internal';
import type { ChunkOwner, ChunkRecord, Engine } from './engine.js';
import type { ProgressEvent } from './options.js';

/** Reports an `AbortSignal` once; returns the function that stops listening. */
export function watchSignal(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** The error a call rejects with when its signal aborts. */
export function abortError(method: string, signal: AbortSignal): AbortError {
  return new AbortError(`pool.${method}() was aborted`, { cause: signal.reason });
}

/** What a batch call needs besides its chunks. */
export interface BatchCallOptions {
  signal: AbortSignal | undefined;
  timeout: number | undefined;
  onProgress: ((event: ProgressEvent) => void) | undefined;
  /** `apply`: the result is the one value, not an array */
  single: boolean;
}

export class BatchCall<R> implements ChunkOwner {
  readonly method: string;
  readonly result: AsyncResult<R>;
  readonly #engine: Engine;
  readonly #options: BatchCallOptions;
  readonly #records = new Set<ChunkRecord>();
  #values: unknown[] = [];
  #remaining = 0;
  #settled = false;
  readonly #unwatch: () => void;

  constructor(
    engine: Engine,
    method: string,
    options: BatchCallOptions,
    callbacks: ConstructorParameters<typeof AsyncResult<R>>[0],
  ) {
    this.#engine = engine;
    this.method = method;
    this.#options = options;
    this.result = new AsyncResult<R>(callbacks);
    engine.openCall(this);
    const { signal } = options;
    this.#unwatch = watchSignal(signal, () => this.end(abortError(method, signal as AbortSignal)));
  }

  /** Chunks `items` and submits every chunk. */
  start(fn: FunctionSpec, items: unknown[], star: boolean, chunksize: number): void {
    if (this.#settled) return;
    this.#values = new Array(items.length);
    this.#remaining = items.length;
    try {
      for (let start = 0; start < items.length; start += chunksize) {
        const chunk = items.slice(start, start + chunksize);
        this.#records.add(this.#engine.submit(this, fn, chunk, start, star, this.#options.timeout));
      }
    } catch (error) {
      this.end(error);
      return;
    }
    if (items.length === 0) this.#settle({ ok: true, value: [] });
  }

  complete(record: ChunkRecord, values: unknown[], errors: Map<number, unknown>): void {
    this.#records.delete(record);
    if (errors.size > 0) {
      this.#settle({ ok: false, error: errors.get(Math.min(...errors.keys())) });
      return;
    }
    for (let i = 0; i < record.count; i++) this.#values[record.start + i] = values[i];
    this.#remaining -= record.count;
    if (this.#remaining === 0) this.#settle({ ok: true, value: this.#values });
  }

  fail(record: ChunkRecord, error: unknown): void {
    this.#records.delete(record);
    this.#settle({ ok: false, error });
  }

  progress(_record: ChunkRecord, index: number, value: unknown): void {
    if (!this.#settled) this.#options.onProgress?.({ index, value });
  }

  end(error: unknown): void {
    this.#settle({ ok: false, error });
  }

  #settle(outcome: { ok: true; value: unknown[] } | { ok: false; error: unknown }): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#unwatch();
    // A call that failed wants none of its other chunks.
    this.#engine.drop(this.#records);
    this.#records.clear();
    this.#engine.closeCall(this);
    settleAsyncResult(
      // The internal entry's declarations carry their own copy of the class; it is the same one.
      this.result as unknown as Parameters<typeof settleAsyncResult<R>>[0],
      outcome.ok
        ? { ok: true, value: (this.#options.single ? outcome.value[0] : outcome.value) as R }
        : outcome,
    );
  }
}
