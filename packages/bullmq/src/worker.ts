/**
 * `DistributedWorker`: what `multiproc-worker` runs on each machine. It pulls chunks from the
 * BullMQ queue (workers pull, so a slow machine takes fewer chunks and nothing straggles behind
 * a fixed assignment), runs each in a process of a local multiproc `Pool` (which recycles its
 * processes after `maxtasksperchild` tasks or above `maxMemoryPerChild`), and pushes the result
 * onto the calling pool's own list.
 */
import { EventEmitter } from 'node:events';
import { Pool, taskRef, WorkerLostError } from '@multiproc/pool';
import { ProcessError, encode, invalidArgument } from '@multiproc/serialize';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { buildPolicy, refusal, type TaskPolicy } from './allow-list.js';
import { createRedis, describeConnection, type RedisConnection } from './connection.js';
import { checkPositiveInteger, checkQueueOptions } from './options.js';
import {
  keys,
  kResultTtlMs,
  validateJobData,
  type ChannelMessage,
  type ChunkJobData,
} from './protocol.js';
import type { RunRequest } from './runner.js';

/**
 * Options of a `DistributedWorker` (and the flags of `multiproc-worker`).
 *
 * @example
 * ```ts
 * const options: DistributedWorkerOptions = {
 *   connection: 'redis://10.0.0.5:6379',
 *   queue: 'render',
 *   processes: 4,
 *   maxtasksperchild: 100,
 *   allowModules: ['/srv/app/tasks/'],
 * };
 * ```
 */
export interface DistributedWorkerOptions {
  /** Redis URL or ioredis options; credentials and TLS pass through. */
  connection: RedisConnection;
  /** The queue's name, as the pools that submit to it name it. */
  queue: string;
  /**
   * Local processes, and chunks run at once.
   * @default 1
   */
  processes?: number | undefined;
  /** Replace a process after this many chunks. @default null (never) */
  maxtasksperchild?: number | null | undefined;
  /** Replace a process whose memory grows above this many bytes. @default null (never) */
  maxMemoryPerChild?: number | null | undefined;
  /**
   * Modules whose exports may run: paths or `file:` URLs (ending in `/` for a whole folder) and
   * package names. `null` admits every module this machine can import.
   * @default null
   */
  allowModules?: readonly string[] | null | undefined;
  /** Run functions sent as source code (callers must opt in too). @default false */
  allowFunctionSource?: boolean | undefined;
  /**
   * BullMQ's lock on a running chunk, in ms; a chunk whose worker stops renewing it (a dead
   * machine) goes back to the queue at the next stall check after it expires.
   * @default 30000
   */
  lockDuration?: number | undefined;
  /** How often this worker looks for stalled chunks, in ms. @default 30000 */
  stalledInterval?: number | undefined;
  /** BullMQ's key prefix. @default 'bull' */
  prefix?: string | undefined;
  /** Where notices go (refused jobs, shutdown). @default a line on stderr */
  log?: ((line: string) => void) | undefined;
}

const runChunkRef = taskRef(new URL('./runner.cjs', import.meta.url).href, 'runChunk');

/** A stalled chunk always goes back to the queue; the chunk's own `attempts` decides when to stop. */
const kNoStallLimit = 1_000_000;

/** How long a pool found alive is taken to be alive without asking Redis again. */
const kAliveCacheMs = 1000;

interface Active {
  job: Job;
  token: string;
  handBack: () => void;
}

/**
 * Takes chunks from a queue and runs them in local processes. Emits `'refused'` with
 * `{ jobId, reason }` for every job it will not run (malformed, not allowed), after logging it.
 *
 * @example
 * ```ts
 * import { DistributedWorker } from '@multiproc/bullmq';
 * const worker = new DistributedWorker({ connection: 'redis://10.0.0.5:6379', queue: 'render', processes: 8 });
 * await worker.ready();
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export class DistributedWorker extends EventEmitter {
  readonly #queue: string;
  readonly #connection: RedisConnection;
  readonly #policy: TaskPolicy;
  readonly #log: (line: string) => void;
  readonly #redis: Redis;
  readonly #workerRedis: Redis;
  readonly #pool: Pool;
  readonly #worker: Worker;
  readonly #active = new Map<string, Active>();
  readonly #aliveUntil = new Map<string, number>();
  #closing: Promise<void> | null = null;

  constructor(options: DistributedWorkerOptions) {
    super();
    checkQueueOptions(options, 'an object');
    const processes = options.processes ?? 1;
    checkPositiveInteger(processes, 'options.processes');
    for (const name of ['lockDuration', 'stalledInterval'] as const) {
      if (options[name] !== undefined) checkPositiveInteger(options[name], `options.${name}`);
    }
    const allow = options.allowModules ?? null;
    if (
      allow !== null &&
      (!Array.isArray(allow) || allow.some((m) => typeof m !== 'string' || m === ''))
    )
      throw invalidArgument(
        'options.allowModules',
        'an array of module paths or names, or null',
        allow,
      );
    this.#queue = options.queue;
    this.#connection = options.connection;
    this.#policy = buildPolicy(allow, options.allowFunctionSource === true);
    this.#log = options.log ?? ((line) => process.stderr.write(`multiproc-worker: ${line}\n`));
    this.#pool = new Pool({
      processes,
      maxtasksperchild: options.maxtasksperchild ?? null,
      maxMemoryPerChild: options.maxMemoryPerChild ?? null,
    });
    this.#redis = createRedis(options.connection);
    this.#redis.on('error', () => {}); // ioredis reconnects by itself; commands wait meanwhile
    // BullMQ leaves a connection it was given open on close: ours to quit.
    this.#workerRedis = createRedis(options.connection);
    this.#workerRedis.on('error', () => {});
    this.#worker = new Worker(options.queue, (job, token) => this.#process(job, token ?? ''), {
      connection: this.#workerRedis,
      concurrency: processes,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: kNoStallLimit,
      prefix: options.prefix ?? 'bull',
      autorun: true,
    });
    this.#worker.on('error', (error) => this.#log(`queue error: ${error.message}`));
  }

  /**
   * Resolves once the worker is connected and taking chunks.
   *
   * @example
   * ```ts
   * await worker.ready();
   * console.log('taking chunks');
   * ```
   */
  async ready(): Promise<void> {
    await this.#worker.waitUntilReady();
  }

  /** The Redis this worker reads, without its password. */
  get where(): string {
    return `${describeConnection(this.#connection)} queue ${this.#queue}`;
  }

  /**
   * Stops taking chunks, lets the running ones finish (within `grace` ms; after that they are
   * handed back to the queue for another worker), then stops the local processes. Idempotent.
   *
   * @param grace - ms to let running chunks finish; `Infinity` waits for them.
   * @example
   * ```ts
   * process.once('SIGTERM', () => void worker.close(10_000));
   * ```
   */
  close(grace = Infinity): Promise<void> {
    if (this.#closing && grace === 0) this.#hurry();
    this.#closing ??= this.#shutdown(grace);
    return this.#closing;
  }

  #hurry: () => void = () => {};

  async #shutdown(grace: number): Promise<void> {
    const finished = this.#worker.close();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      this.#hurry = () => resolve('late');
      if (grace !== Infinity) timer = setTimeout(() => resolve('late'), grace);
    });
    if ((await Promise.race([finished.then(() => 'done' as const), late])) === 'late') {
      this.#log(`handing ${this.#active.size} running chunk(s) back to the queue`);
      for (const active of this.#active.values()) active.handBack();
      this.#pool.terminate();
    }
    clearTimeout(timer);
    await finished;
    this.#pool.close();
    await this.#pool.join();
    for (const client of [this.#redis, this.#workerRedis])
      await client.quit().catch(() => client.disconnect());
  }

  async #process(job: Job, token: string): Promise<void> {
    const problem = validateJobData(job.data);
    if (problem !== null) {
      const data = job.data as Partial<ChunkJobData> | null;
      const error = new ProcessError(
        `job ${job.id} is not a multiproc chunk: ${problem}`,
        'ERR_MP_MALFORMED_JOB',
      );
      if (
        typeof data?.pool === 'string' &&
        /^[A-Za-z0-9_-]{1,64}$/.test(data.pool) &&
        Number.isSafeInteger(data.chunk)
      )
        await this.#send(data.pool, { type: 'failed', chunk: data.chunk as number, error });
      this.#refuse(job, error.message);
      throw new UnrecoverableError(error.message);
    }
    const data = job.data as ChunkJobData;
    // A pool that closed, was terminated or died wants none of its remaining chunks.
    if (!(await this.#poolAlive(data.pool))) return;
    if (job.attemptsStarted > data.attempts) {
      await this.#fail(
        data,
        new WorkerLostError(
          `chunk ${data.chunk} was started ${data.attempts} time(s) and each time its worker was lost ` +
            `before it finished`,
        ),
      );
      return;
    }
    const why = refusal(data.fn, this.#policy);
    if (why !== null) {
      this.#refuse(job, why);
      await this.#fail(data, new ProcessError(why, 'ERR_MP_TASK_NOT_ALLOWED'));
      return;
    }
    const request: RunRequest = {
      fn: data.fn,
      items: Buffer.from(data.items, 'base64'),
      star: data.star,
      chunk: data.chunk,
      connection: sendableConnection(this.#connection),
      resultsKey: keys.results(this.#queue, data.pool),
      policy: this.#policy,
    };
    let handBack!: () => void;
    const handedBack = new Promise<'handed back'>(
      (resolve) => (handBack = () => resolve('handed back')),
    );
    this.#active.set(job.id ?? '', { job, token, handBack });
    try {
      const run = this.#pool.apply(runChunkRef, [request], { timeout: data.timeout ?? undefined });
      run.catch(() => {}); // settled below, or abandoned when handed back
      const outcome = await Promise.race([run, handedBack]);
      if (outcome === 'handed back') {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      await this.#push(data.pool, outcome as Uint8Array);
    } catch (error) {
      if (error instanceof WaitingError) throw error;
      // The local process died under the chunk: let BullMQ requeue it while attempts remain.
      if (error instanceof WorkerLostError && job.attemptsStarted < data.attempts) throw error;
      await this.#fail(data, error);
    } finally {
      this.#active.delete(job.id ?? '');
    }
  }

  /**
   * Whether the pool still wants its chunks. A live answer is trusted for a second, which saves a
   * round trip per chunk when many small chunks of one pool follow each other.
   */
  async #poolAlive(pool: string): Promise<boolean> {
    const now = Date.now();
    if ((this.#aliveUntil.get(pool) ?? 0) > now) return true;
    const alive = (await this.#redis.exists(keys.alive(this.#queue, pool))) === 1;
    if (this.#aliveUntil.size > 1000) this.#aliveUntil.clear();
    if (alive) this.#aliveUntil.set(pool, now + kAliveCacheMs);
    else this.#aliveUntil.delete(pool);
    return alive;
  }

  #refuse(job: Job, reason: string): void {
    this.#log(`refused job ${job.id ?? '?'} of queue ${this.#queue}: ${reason}`);
    this.emit('refused', { jobId: job.id, reason });
  }

  #fail(data: ChunkJobData, error: unknown): Promise<void> {
    return this.#send(data.pool, { type: 'failed', chunk: data.chunk, error });
  }

  #send(pool: string, message: ChannelMessage): Promise<void> {
    return this.#push(pool, encode(message));
  }

  async #push(pool: string, bytes: Uint8Array): Promise<void> {
    const key = keys.results(this.#queue, pool);
    await this.#redis
      .multi()
      .rpush(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      .pexpire(key, kResultTtlMs)
      .exec();
  }
}

/** The connection as it can travel to a local process (functions, such as a retry strategy, stay). */
function sendableConnection(connection: RedisConnection): RedisConnection {
  if (typeof connection === 'string') return connection;
  return Object.fromEntries(Object.entries(connection).filter(([, v]) => typeof v !== 'function'));
}
