/**
 * What travels through Redis. A chunk is one BullMQ job whose data is JSON (BullMQ's format) that
 * carries our codec's bytes as base64; results and progress go back on the calling pool's own
 * Redis list, encoded with our codec, one message per `RPUSH`.
 */
import type { FunctionSpec } from '@multiproc/serialize';

/** Version of the job format; a worker refuses jobs of another. */
export const kJobVersion = 1;

/** How long a result list outlives its last push when its pool never reads it (the caller died). */
export const kResultTtlMs = 24 * 3600 * 1000;

/** Redis keys of one queue, beside BullMQ's own (`bull:<queue>:…`). */
export const keys = {
  results: (queue: string, pool: string): string => `multiproc:${queue}:results:${pool}`,
  alive: (queue: string, pool: string): string => `multiproc:${queue}:alive:${pool}`,
};

/** BullMQ job ids may not contain `:`. */
export const jobIdOf = (pool: string, chunk: number): string => `${pool}-${chunk}`;

/** The data of one chunk's BullMQ job. */
export interface ChunkJobData {
  v: typeof kJobVersion;
  /** the calling pool's id */
  pool: string;
  /** the chunk's number, unique within the pool: what results are deduplicated by */
  chunk: number;
  fn: FunctionSpec;
  /** base64 of our codec's encoding of the chunk's items (argument lists when `star`) */
  items: string;
  star: boolean;
  /** deliveries before the chunk fails with `WorkerLostError` */
  attempts: number;
  /** ms the chunk may run, or null */
  timeout: number | null;
}

/** A message on a pool's result list. One member per kind, discriminated on `type`. */
export type ChannelMessage =
  | {
      type: 'result';
      chunk: number;
      /** the items' values (undefined where an item threw) */
      values: unknown[];
      /** [index in the chunk, error] for items that threw */
      errors: [number, unknown][];
    }
  /** The whole chunk failed: timeout, lost worker, refused or undecodable. */
  | { type: 'failed'; chunk: number; error: unknown }
  | { type: 'progress'; chunk: number; index: number; value: unknown };

/**
 * Checks a job's data field by field; returns what is wrong, or null. A worker must survive any
 * job a queue writer sends, so nothing is trusted.
 */
export function validateJobData(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return 'the job data is not an object';
  const d = data as Record<string, unknown>;
  if (d['v'] !== kJobVersion)
    return `data.v must be ${kJobVersion} (a multiproc chunk), got ${JSON.stringify(d['v'])}`;
  if (typeof d['pool'] !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(d['pool']))
    return 'data.pool must be a pool id';
  if (!Number.isSafeInteger(d['chunk']) || (d['chunk'] as number) < 0)
    return 'data.chunk must be a non-negative integer';
  if (typeof d['items'] !== 'string') return 'data.items must be a base64 string';
  if (typeof d['star'] !== 'boolean') return 'data.star must be a boolean';
  if (!Number.isSafeInteger(d['attempts']) || (d['attempts'] as number) < 1)
    return 'data.attempts must be a positive integer';
  if (d['timeout'] !== null && !(typeof d['timeout'] === 'number' && d['timeout'] > 0))
    return 'data.timeout must be a positive number or null';
  const fn = d['fn'] as Record<string, unknown> | null;
  if (typeof fn !== 'object' || fn === null) return 'data.fn must be a function spec';
  switch (fn['kind']) {
    case 'ref':
      if (typeof fn['module'] !== 'string' || typeof fn['name'] !== 'string')
        return 'data.fn must name a module and an export';
      break;
    case 'source':
      if (typeof fn['source'] !== 'string' || typeof fn['form'] !== 'string')
        return 'data.fn.source must be a string';
      break;
    case 'global':
      if (typeof fn['path'] !== 'string') return 'data.fn.path must be a string';
      break;
    default:
      return `data.fn.kind must be ref, source or global, got ${JSON.stringify(fn['kind'])}`;
  }
  return null;
}
