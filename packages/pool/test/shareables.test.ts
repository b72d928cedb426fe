import { createServer, connect, type Socket } from 'node:net';
import type { Pool } from '@multiproc/pool';
import { Pipe } from '@multiproc/connection';
import { ShareableList, SharedMemory } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import { settle, tempDir, usePool } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shared = require('./fixtures/shared.cjs') as typeof import('./fixtures/shared.cjs');

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe.each(['spawn', 'thread'] as const)(
  'tasks taking shareable objects (%s workers)',
  (method) => {
    let pool!: Pool;
    usePool(method, 2, (p) => (pool = p), 'close');

    it('a SharedMemory argument is the same memory in the worker', async () => {
      const shm = new SharedMemory({ create: true, size: 4 * 64 });
      try {
        const args = Array.from({ length: 64 }, (_, i) => [shm, i, i * i] as const);
        expect(await pool.starmap(shared.writeAt, args, { chunksize: 4 })).toEqual(
          Array.from({ length: 64 }, (_, i) => i),
        );
        expect([...new Int32Array(shm.buf)]).toEqual(Array.from({ length: 64 }, (_, i) => i * i));
      } finally {
        shm.close();
        shm.unlink();
      }
    });

    it('Atomics on it count exactly across workers', async () => {
      const shm = new SharedMemory({ create: true, size: 8 });
      try {
        await pool.starmap(
          shared.increment,
          Array.from({ length: 400 }, () => [shm]),
          { chunksize: 7 },
        );
        expect(new Int32Array(shm.buf)[0]).toBe(400);
      } finally {
        shm.close();
        shm.unlink();
      }
    });

    it('a ShareableList and a HeapBlock arrive bound to the same memory', async () => {
      const list = new ShareableList([0, 0, 'x']);
      const block = heapAllocate(32);
      try {
        expect(await pool.apply(shared.setItem, [list, 1, 42])).toBe(42);
        expect(await pool.apply(shared.setItem, [list, 2, 'y'])).toBe('y');
        expect(list.toArray()).toEqual([0, 42, 'y']);
        expect(await pool.apply(shared.fillBlock, [block, 7])).toBe(32);
        expect([...new Uint8Array(block.buffer, block.byteOffset, 32)]).toEqual(
          new Array(32).fill(7),
        );
      } finally {
        block.release();
        list.shm.close();
        list.shm.unlink();
      }
    });

    /** Both ends of a Unix socket connection. */
    async function socketPair(
      name: string,
    ): Promise<{ ours: Socket; theirs: Socket; close(): void }> {
      const server = createServer();
      const path = tmp.file(name);
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const theirs = connect(path);
      const ours = await accepted;
      return {
        ours,
        theirs,
        close() {
          ours.destroy();
          theirs.destroy();
          server.close();
        },
      };
    }

    it('a socket passed as an argument reaches the worker as its own descriptor, and stays open here', async () => {
      const pair = await socketPair(`${method}.sock`);
      try {
        const received: Buffer[] = [];
        pair.ours.on('data', (chunk: Buffer) => received.push(chunk));
        const box = new shared.SocketBox(pair.theirs);
        const where = await pool.apply(shared.sendThrough, [box, 'from the worker;']);
        if (method === 'spawn') expect(where.pid).not.toBe(process.pid);
        else expect(where.threadId).toBeGreaterThan(0);
        // Our copy still works after the worker closed its own.
        pair.theirs.write('from the parent');
        await new Promise((r) => setTimeout(r, 100));
        expect(Buffer.concat(received).toString()).toBe('from the worker;from the parent');
      } finally {
        pair.close();
      }
    });

    it('a Connection passed as an argument is the worker’s own end of the same pipe', async () => {
      const [here, there] = Pipe();
      try {
        expect(await pool.apply(shared.sendOver, [there, 'hello through the pipe'])).toBe('sent');
        const got = await here.recv<{ text: string; pid: number; threadId: number }>();
        expect(got.text).toBe('hello through the pipe');
        if (method === 'spawn') expect(got.pid).not.toBe(process.pid);
        else expect(got.threadId).toBeGreaterThan(0);
        // Our copy of the other end is still open and usable.
        there.send('still mine');
        expect(await here.recv()).toBe('still mine');
      } finally {
        here.close();
        there.close();
      }
    });

    if (method === 'thread') {
      it('an anonymous SharedMemory (a descriptor) reaches a thread worker', async () => {
        const shm = SharedMemory.anonymous(64);
        try {
          expect(await pool.apply(shared.writeText, [shm, 'hello'])).toBe(5);
          expect(Buffer.from(shm.buf, 0, 5).toString()).toBe('hello');
        } finally {
          shm.close();
        }
      });
    } else {
      it('an anonymous SharedMemory (a descriptor) is refused by a process pool, clearly', async () => {
        const shm = SharedMemory.anonymous(64);
        try {
          const outcome = await settle(pool.apply(shared.writeText, [shm, 'hello']));
          expect(!outcome.ok && outcome.error.message).toBe(
            'a file descriptor (an anonymous SharedMemory, say) cannot reach a running pool process; use a named SharedMemory, or a ThreadPool',
          );
        } finally {
          shm.close();
        }
      });
    }
  },
);
