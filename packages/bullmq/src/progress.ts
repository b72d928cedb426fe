/**
 * Progress from inside a task. The chunk runner (in a worker's process) marks which task runs;
 * `reportProgress` sends a message on the calling pool's result list through a connection that
 * the process opens on first use.
 */
import { ProcessError, encode, sharedState } from '@multiproc/serialize';
import type { Redis } from 'ioredis';
import { createRedis, type RedisConnection } from './connection.js';
import type { ChannelMessage } from './protocol.js';

/** Where the task that runs now reports to. */
export interface ProgressTarget {
  connection: RedisConnection;
  key: string;
  chunk: number;
  index: number;
}

// Shared by the runner bundle and the package bundle a task module imports, which are separate
// copies of this file in one process.
const state = sharedState('bullmq.progress', () => ({
  current: null as ProgressTarget | null,
  clients: new Map<string, Redis>(),
}));

/** @internal The runner marks the task that runs (null between tasks). */
export function setProgressTarget(target: ProgressTarget | null): void {
  state.current = target;
}

/** @internal Closes the connections progress opened in this process. */
export async function closeProgressClients(): Promise<void> {
  const clients = [...state.clients.values()];
  state.clients.clear();
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/**
 * Reports progress of the task that runs now to the pool that submitted it, where `onProgress`
 * of `imap`, `imapUnordered`, `map` and `applyAsync` receives it with the task's index. Call it
 * only from a task run by a `DistributedPool`'s worker; the value travels in multiproc's codec.
 *
 * @param value - anything the codec can send (a number, `{ done, total }`, …).
 * @returns a promise that resolves once the message is in Redis.
 * @throws ProcessError (`ERR_MP_NO_TASK`) outside such a task.
 * @example
 * ```ts
 * // tasks.ts, a module the workers import
 * import { reportProgress } from '@multiproc/bullmq';
 * export async function resize(file: string): Promise<string> {
 *   await reportProgress('started');
 *   // … work …
 *   return file;
 * }
 * ```
 */
export async function reportProgress(value: unknown): Promise<void> {
  const target = state.current;
  if (!target) {
    throw new ProcessError(
      'reportProgress() was called outside a task that a DistributedPool worker runs',
      'ERR_MP_NO_TASK',
    );
  }
  const message: ChannelMessage = {
    type: 'progress',
    chunk: target.chunk,
    index: target.index,
    value,
  };
  const bytes = encode(message, { path: 'progress value' });
  const id =
    typeof target.connection === 'string' ? target.connection : JSON.stringify(target.connection);
  let client = state.clients.get(id);
  if (!client) {
    client = createRedis(target.connection);
    state.clients.set(id, client);
  }
  await client.rpush(target.key, bytes);
}
