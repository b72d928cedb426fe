/**
 * The chunk runner: what the worker command's local pool processes run for each chunk. It is its
 * own CommonJS bundle, which those processes import by URL; decoding the items and loading the
 * task's module happen here, in the process that may die, never in the worker command itself.
 */
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  ProcessError,
  decode,
  decodeAsync,
  encode,
  resolveFunction,
  type FunctionSpec,
} from '@multiproc/serialize';
import { moduleRefusal, type TaskPolicy } from './allow-list.js';
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
  /** the worker's policy; modules that values name (their classes) must pass it too */
  policy: TaskPolicy;
}

interface ModuleInternals {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _resolveFilename(request: string, parent: unknown, isMain: boolean): string;
}

/**
 * Decodes the items while every module that a value names (the class of an instance, the type of
 * a handle) is checked against the policy before it loads: decoding would otherwise run any
 * module's top-level code that a queue writer names. The decoder loads such modules with
 * `require`, which goes through `Module._load`; only the first load is checked, not what that
 * module itself requires. With an allow-list, ES modules that cannot be required are refused.
 */
async function decodeGuarded(bytes: Uint8Array, policy: TaskPolicy): Promise<unknown> {
  if (policy.modules === null) return decodeAsync(bytes);
  const internals = Module as unknown as ModuleInternals;
  const saved = Object.getOwnPropertyDescriptor(Module, '_load') as PropertyDescriptor;
  const original = internals._load.bind(internals);
  let depth = 0;
  internals._load = (request, parent, isMain) => {
    if (depth === 0) {
      const file = internals._resolveFilename(request, parent, isMain);
      const url = file.startsWith('node:') || !file.includes('/') ? file : pathToFileURL(file).href;
      const why = moduleRefusal(url, policy);
      if (why !== null)
        throw new ProcessError(`a value in the chunk needs ${why}`, 'ERR_MP_TASK_NOT_ALLOWED');
    }
    depth++;
    try {
      return original(request, parent, isMain);
    } finally {
      depth--;
    }
  };
  try {
    return decode(bytes);
  } finally {
    Object.defineProperty(Module, '_load', saved);
  }
}

/**
 * Runs one chunk's items one after another and returns the encoded `result` message. Item errors
 * are part of the result; an error thrown here (undecodable items, a module that does not load)
 * fails the whole chunk.
 */
export async function runChunk(request: RunRequest): Promise<Uint8Array> {
  const fn = await resolveFunction(request.fn);
  const items = await decodeGuarded(request.items, request.policy);
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
