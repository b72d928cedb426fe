// Credentials and TLS pass through to Redis on both ends: a server that requires a password,
// and one that speaks only TLS.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DistributedPool } from '@multiproc/bullmq';
import {
  startRedis,
  startWorker,
  stop,
  tasks,
  type TestRedis,
  type TestWorker,
} from './helpers.js';

jest.setTimeout(30_000);

let redis: TestRedis;
let worker: TestWorker | undefined;
const queue = `auth-${randomUUID()}`;

beforeAll(async () => {
  redis = await startRedis({ password: 's3cret' });
});

afterAll(async () => {
  if (worker) await stop(worker.child);
  await redis?.stop();
});

test('a password in the URL (worker) and in ioredis options (caller) reaches Redis', async () => {
  worker = await startWorker(redis, queue);
  await using pool = new DistributedPool({
    connection: { host: '127.0.0.1', port: redis.port, password: 's3cret' },
    queue,
  });
  expect(await pool.map(tasks.square, [1, 2, 3])).toEqual([1, 4, 9]);
});

test('TLS: rediss:// with --tls-ca (worker) and ioredis tls options (caller)', async () => {
  const secure = await startRedis({ tls: true });
  let tlsWorker: TestWorker | undefined;
  try {
    tlsWorker = await startWorker(secure, queue, ['--tls-ca', secure.ca]);
    await using pool = new DistributedPool({
      connection: { host: '127.0.0.1', port: secure.port, tls: { ca: readFileSync(secure.ca) } },
      queue,
    });
    expect(secure.url).toBe(`rediss://127.0.0.1:${secure.port}`);
    expect(await pool.map(tasks.withProgress, [4])).toEqual([-4]);
  } finally {
    if (tlsWorker) await stop(tlsWorker.child);
    await secure.stop();
  }
});
