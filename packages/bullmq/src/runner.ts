/**
 * The chunk runner: what the worker command's local pool processes run for each chunk. It is its
 * own CommonJS bundle, which those processes import by URL; decoding the items and loading the
 * task's module happen here, in the process that may die, never in the worker command itself.
 */
import { decodeAsync, encode, resolveFunction, type FunctionSpec } from '@multiproc/serialize';
import type { RedisConnection } from './connection.js';
import type { ChannelMessage } from './protocol.js';
import { setProgressTarget } from './progress.js';

/** What the worker command sends with each chunk. */
export interface RunRequest {
  fn: FunctionSpec;
  /** the chunk's items in our codec */
  items: Uint8Array;
  star: boolean;
  chunk: number;
  /** where `reportProgress` writes */
  connection: RedisConnection;
  resultsKey: string;
}

/**
 * Runs one chunk's items one after another and returns the encoded `result` message. Item errors
 * are part of the result; an error thrown here (undecodable items, a module that does not load)
 * fails the whole chunk.
 */
export async function runChunk(request: RunRequest): Promise<Uint8Array> {
  const fn = await resolveFunction(request.fn);
  const items = await decodeAsync(request.items);
  if (!Array.isArray(items)) throw new TypeError('the chunk items are not an array');
  const values: unknown[] = new Array(items.length);
  const errors: [number, unknown][] = [];
  for (let i = 0; i < items.length; i++) {
    setProgressTarget({
      connection: request.connection,
      key: request.resultsKey,
      chunk: request.chunk,
      index: i,
    });
    try {
      const item: unknown = items[i];
      if (request.star && !Array.isArray(item))
        throw new TypeError(`items[${i}] must be an array of arguments for starmap`);
      values[i] = await (request.star ? fn(...(item as unknown[])) : fn(item));
    } catch (error) {
      errors.push([i, error]);
    } finally {
      setProgressTarget(null);
    }
  }
  const message: ChannelMessage = { type: 'result', chunk: request.chunk, values, errors };
  try {
    return encode(message);
  } catch {
    // Some value cannot be sent: it becomes that item's error, and the others still arrive.
    for (let i = 0; i < values.length; i++) {
      try {
        encode(values[i], { path: `the result of item ${i}` });
      } catch (error) {
        values[i] = undefined;
        errors.push([i, error]);
      }
    }
    return encode(message);
  }
}
