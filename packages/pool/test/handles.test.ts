import { Socket, createServer, connect } from 'node:net';
import type { Pool } from '@multiproc/pool';
import { settle, tasks, tempDir, usePool } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shared = require('./fixtures/shared.cjs') as typeof import('./fixtures/shared.cjs');

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const noDescriptor =
  'a socket passed to pool.apply() has no file descriptor (it was closed, or never connected), so it cannot reach a worker';

describe.each(['spawn', 'thread'] as const)(
  'a socket that cannot be passed (%s workers)',
  (method) => {
    let pool!: Pool;
    usePool(method, 1, (p) => (pool = p));

    it('fails its own task with a TypeError, and the same worker runs the tasks behind it', async () => {
      const before = await pool.apply(tasks.whoami);
      const bad = settle(pool.apply(shared.sendThrough, [new shared.SocketBox(new Socket()), 'x']));
      const after = pool.apply(tasks.whoami);
      const outcome = await bad;
      expect(!outcome.ok && [outcome.error.constructor, outcome.error.message]).toEqual([
        TypeError,
        noDescriptor,
      ]);
      expect(await after).toEqual(before);
    });

    it('fails a queued task whose socket was closed before it was sent; the others go on', async () => {
      const path = tmp.file(`${method}.sock`);
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const theirs = connect(path);
      await new Promise((resolve) => theirs.once('connect', resolve));
      const ours = await accepted;
      try {
        const before = await pool.apply(tasks.whoami);
        const busy = pool.apply(tasks.delayed, [150]);
        const bad = settle(pool.apply(shared.sendThrough, [new shared.SocketBox(theirs), 'x']));
        theirs.destroy();
        const after = pool.apply(tasks.whoami);
        expect(await busy).toBe(150);
        const outcome = await bad;
        expect(!outcome.ok && [outcome.error.constructor, outcome.error.message]).toEqual([
          TypeError,
          noDescriptor,
        ]);
        expect(await after).toEqual(before);
      } finally {
        ours.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  },
);
