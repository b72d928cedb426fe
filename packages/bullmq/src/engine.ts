/**
 * The caller's engine behind `DistributedPool`: it encodes chunks and adds them to the BullMQ
 * queue, reads the pool's own result list, deduplicates by chunk id (BullMQ delivers at least
 * once: a chunk whose worker died after pushing its result runs again), and hands each chunk's
 * outcome to the call that owns it.
 */
import { randomUUID } from 'node:crypto';
import {
  ProcessError,
  assertSendable,
  decodeAsync,
  describeFunction,
  encode,
  type FunctionSpec,
} from '@multiproc/serialize';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedis, type RedisConnection } from './connection.js';
import { jobIdOf, keys, kJobVersion, type ChannelMessage, type ChunkJobData } from './protocol.js';

/** A call's side of its chunks. */
export interface ChunkOwner {
  readonly method: string;
  complete(chunk: ChunkRecord, values: unknown[], errors: Map<number, unknown>): void;
  fail(chunk: ChunkRecord, error: unknown): void;
  progress(chunk: ChunkRecord, index: number, value: unknown): void;
  /** The pool was terminated: the call ends with `error`. */
  end(error: unknown): void;
}

/** Validated pool options. */
export interface EngineOptions {
  connection: RedisConnection;
  queue: string;
  attempts: number;
  maxInFlight: number;
  heartbeatTtl: number;
  allowFunctionSource: boolean;
  prefix: string;
}

/** One submitted chunk that has not settled. */
export interface ChunkRecord {
  readonly id: number;
  readonly owner: ChunkOwner;
  /** index of its first item in the call's input */
  readonly start: number;
  readonly count: number;
}

/**
 * Where a `DistributedPool` is in its life: `'running'`; `'closing'` after `close()` while work
 * goes on; `'closed'` once everything settled and the connections closed; `'terminated'`.
 *
 * @example
 * ```ts
 * const state: DistributedPoolState = pool.state;
 * ```
 */
export type DistributedPoolState = 'running' | 'closing' | 'closed' | 'terminated';

/** How long a failed job stays in Redis, in seconds. */
const kKeepFailedS = 24 * 3600;

export class Engine {
  readonly poolId = randomUUID().replaceAll('-', '');
  readonly #options: EngineOptions;
  readonly #commands: Redis;
  readonly #reader: Redis;
  readonly #queue: Queue;
  readonly #resultsKey: string;
  readonly #aliveKey: string;
  readonly #chunks = new Map<number, ChunkRecord>();
  readonly #calls = new Set<ChunkOwner>();
  #nextChunk = 0;
  #pendingAdds: { name: string; data: ChunkJobData; opts: { jobId: string } }[] = [];
  #addScheduled = false;
  #state: DistributedPoolState = 'running';
  readonly #heartbeat: NodeJS.Timeout;
  readonly #finished: Promise<void>;
  #finish!: () => void;
  #shuttingDown = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#commands = createRedis(options.connection);
    this.#reader = createRedis(options.connection);
    // ioredis reconnects on its own and commands wait meanwhile; without a listener an `error`
    // event (Redis restarting) would crash the program.
    this.#commands.on('error', () => {});
    this.#reader.on('error', () => {});
    this.#queue = new Queue(options.queue, { connection: this.#commands, prefix: options.prefix });
    this.#queue.on('error', () => {});
    this.#resultsKey = keys.results(options.queue, this.poolId);
    this.#aliveKey = keys.alive(options.queue, this.poolId);
    this.#finished = new Promise((resolve) => (this.#finish = resolve));
    const beat = (): void => {
      this.#commands.set(this.#aliveKey, '1', 'PX', options.heartbeatTtl).catch(() => {});
    };
    beat();
    this.#heartbeat = setInterval(beat, Math.max(1, Math.floor(options.heartbeatTtl / 3)));
    void this.#read();
  }

  get state(): DistributedPoolState {
    return this.#state;
  }

  get maxInFlight(): number {
    return this.#options.maxInFlight;
  }

  /** Throws unless calls may be submitted. */
  assertRunning(): void {
    if (this.#state === 'running') return;
    throw new ProcessError(
      this.#state === 'terminated'
        ? 'the pool was terminated: no new tasks can be submitted'
        : 'the pool is closed: no new tasks can be submitted',
      'ERR_MP_POOL_NOT_RUNNING',
    );
  }

  /** How `fn` travels; throws a `TypeError` for what workers would not run. */
  describe(fn: unknown, path: string): FunctionSpec {
    const spec = describeFunction(fn, path);
    // Workers load the module through their own loader (`--import tsx`); its source stays here.
    if (spec.kind === 'ref') delete spec.fallback;
    if (spec.kind === 'source' && !this.#options.allowFunctionSource) {
      throw new TypeError(
        `${path} is not exported from a module, so it would travel as source code, which a ` +
          'DistributedPool sends only with allowFunctionSource: true (and workers run only with ' +
          '--allow-function-source). Export it, or name it with taskRef(module, name).',
      );
    }
    return spec;
  }

  openCall(owner: ChunkOwner): void {
    this.#calls.add(owner);
  }

  closeCall(owner: ChunkOwner): void {
    this.#calls.delete(owner);
    this.#maybeFinish();
  }

  /**
   * Encodes a chunk and queues it (adds made in one tick go to Redis in one `addBulk`). Throws a
   * `TypeError` naming the first item that cannot be sent, before anything is queued.
   */
  submit(
    owner: ChunkOwner,
    fn: FunctionSpec,
    items: unknown[],
    start: number,
    star: boolean,
    timeout: number | undefined,
  ): ChunkRecord {
    let bytes: Buffer;
    try {
      bytes = encode(items);
    } catch (error) {
      items.forEach((item, i) => assertSendable(item, `items[${start + i}]`));
      throw error;
    }
    const record: ChunkRecord = { id: this.#nextChunk++, owner, start, count: items.length };
    this.#chunks.set(record.id, record);
    const data: ChunkJobData = {
      v: kJobVersion,
      pool: this.poolId,
      chunk: record.id,
      fn,
      items: bytes.toString('base64'),
      star,
      attempts: this.#options.attempts,
      timeout: timeout ?? null,
    };
    this.#pendingAdds.push({
      name: owner.method,
      data,
      opts: { jobId: jobIdOf(this.poolId, record.id) },
    });
    if (!this.#addScheduled) {
      this.#addScheduled = true;
      setImmediate(() => this.#flushAdds());
    }
    return record;
  }

  #flushAdds(): void {
    this.#addScheduled = false;
    // Chunks dropped in the same tick (a later item could not be sent, an abort) never leave.
    const adds = this.#pendingAdds.filter((a) => this.#chunks.has(a.data.chunk));
    this.#pendingAdds = [];
    if (adds.length === 0) return;
    const opts = {
      // BullMQ retries a chunk whose local process died; the chunk's own `attempts` (checked by
      // the worker against BullMQ's count of starts) decides when to give up.
      attempts: 1_000_000,
      // Results travel on the pool's own list, so a completed job is of no further use; a failed
      // one (malformed, refused) stays a day for whoever investigates.
      removeOnComplete: true,
      removeOnFail: { age: kKeepFailedS },
    };
    this.#queue
      .addBulk(adds.map((a) => ({ name: a.name, data: a.data, opts: { ...opts, ...a.opts } })))
      .catch((error: unknown) => {
        for (const a of adds) {
          const record = this.#chunks.get(a.data.chunk);
          if (record) this.#settle(record, (r) => r.owner.fail(r, error));
        }
      });
  }

  /** Forgets chunks whose call no longer wants them, and removes those still queued. */
  drop(records: Iterable<ChunkRecord>): void {
    const ids: string[] = [];
    for (const record of records) {
      if (this.#chunks.delete(record.id)) ids.push(jobIdOf(this.poolId, record.id));
    }
    // A running chunk is locked and stays; its result is then ignored.
    for (const id of ids) this.#queue.remove(id).catch(() => {});
    this.#maybeFinish();
  }

  #settle(record: ChunkRecord, how: (record: ChunkRecord) => void): void {
    if (!this.#chunks.delete(record.id)) return;
    how(record);
    this.#maybeFinish();
  }

  async #read(): Promise<void> {
    while (!this.#shuttingDown) {
      let batch: Buffer[];
      try {
        const first = await this.#reader.blpopBuffer(this.#resultsKey, 1);
        if (!first) continue;
        batch = [first[1]];
        const more = await this.#reader.lpopBuffer(this.#resultsKey, 1000);
        if (more) batch.push(...more);
      } catch {
        if (this.#shuttingDown) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      for (const bytes of batch) await this.#dispatch(bytes);
    }
  }

  async #dispatch(bytes: Buffer): Promise<void> {
    let message: ChannelMessage;
    try {
      message = (await decodeAsync(bytes)) as ChannelMessage;
    } catch {
      return; // not ours to read; a pool's list is written only by workers
    }
    const record = this.#chunks.get(message.chunk);
    if (!record) return; // a duplicate delivery, or a chunk its call dropped
    switch (message.type) {
      case 'result':
        this.#settle(record, (r) => r.owner.complete(r, message.values, new Map(message.errors)));
        break;
      case 'failed':
        this.#settle(record, (r) => r.owner.fail(r, message.error));
        break;
      case 'progress':
        record.owner.progress(record, record.start + message.index, message.value);
        break;
    }
  }

  close(): void {
    if (this.#state !== 'running') return;
    this.#state = 'closing';
    this.#maybeFinish();
  }

  terminate(): void {
    if (this.#state === 'terminated' || this.#state === 'closed') return;
    this.#state = 'terminated';
    const error = new ProcessError(
      'the pool was terminated before this task finished',
      'ERR_MP_POOL_TERMINATED',
    );
    this.drop([...this.#chunks.values()]);
    const calls = [...this.#calls];
    this.#calls.clear();
    for (const call of calls) call.end(error);
    void this.#shutdown();
  }

  join(): Promise<void> {
    if (this.#state === 'running')
      return Promise.reject(
        new ProcessError('join() needs close() or terminate() first', 'ERR_MP_POOL_RUNNING'),
      );
    return this.#finished;
  }

  #maybeFinish(): void {
    if (this.#state === 'closing' && this.#chunks.size === 0 && this.#calls.size === 0) {
      this.#state = 'closed';
      void this.#shutdown();
    }
  }

  async #shutdown(): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    clearInterval(this.#heartbeat);
    // Workers skip the chunks of a pool whose liveness key is gone.
    await this.#commands.del(this.#aliveKey, this.#resultsKey).catch(() => {});
    this.#reader.disconnect();
    await this.#queue.close().catch(() => {});
    await this.#commands.quit().catch(() => this.#commands.disconnect());
    this.#finish();
  }
}
