/**
 * How both ends reach Redis. Credentials and TLS pass straight through to ioredis: a
 * `rediss://user:password@host:port` URL, or an options object (`{ host, port, username,
 * password, tls: { ca, cert, key } }`).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { invalidArgument } from '@multiproc/serialize';

/**
 * A Redis URL (`redis://…`, `rediss://…` for TLS) or ioredis options.
 *
 * @example
 * ```ts
 * const plain: RedisConnection = 'redis://:secret@10.0.0.5:6379/0';
 * const tls: RedisConnection = { host: 'redis.internal', port: 6380, password: 'secret', tls: { ca } };
 * ```
 */
export type RedisConnection = string | RedisOptions;

/** Throws unless `value` is a Redis URL or an options object. */
export function checkConnection(value: unknown, path: string): asserts value is RedisConnection {
  if (typeof value === 'string') {
    if (!/^rediss?:\/\//.test(value))
      throw invalidArgument(path, 'a redis:// or rediss:// URL or ioredis options', value);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidArgument(path, 'a redis:// or rediss:// URL or ioredis options', value);
}

/**
 * A new client. `maxRetriesPerRequest: null` makes commands wait through a Redis restart instead
 * of failing after 20 tries (BullMQ requires it of the connections its workers block on).
 */
export function createRedis(connection: RedisConnection): Redis {
  const extra = { maxRetriesPerRequest: null, enableReadyCheck: true };
  // ioredis's overloads reject its own option type under exactOptionalPropertyTypes.
  const RedisClient = Redis as unknown as new (...args: unknown[]) => Redis;
  return typeof connection === 'string'
    ? new RedisClient(connection, extra)
    : new RedisClient({ ...connection, ...extra });
}

/** The connection without its password, for messages and logs. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection === 'string') return connection.replace(/\/\/([^@/]*)@/, '//***@');
  return `${connection.tls ? 'rediss' : 'redis'}://${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}
