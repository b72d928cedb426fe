import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { decode, encode } from '@multiproc/serialize';
import { SharedMemory } from '@multiproc/shared-memory';
import { exited, fixture, shmNames } from './helpers.js';
import { guardSegmentsPerTest } from '../../../tooling/test-helpers.js';

const root = join(__dirname, '..');

describe('SharedMemory', () => {
  guardSegmentsPerTest(shmNames);

  test('a child attaches by name and writes; the parent reads; Atomics counters are exact across 4 processes', async () => {
    const shm = new SharedMemory({ create: true, size: 64 });
    expect(shm.size).toBe(64);
    expect(shm.name).toMatch(/^mp_[0-9a-f]{12}[0-9a-z]+$/);
    expect(shmNames().has(shm.name)).toBe(true);
    const children = Array.from({ length: 4 }, () =>
      fork(fixture('attach-child.mjs'), [shm.name, '250000'], { cwd: root }),
    );
    expect(await Promise.all(children.map(exited))).toEqual(
      Array(4).fill({ code: 0, signal: null }),
    );
    const words = new Int32Array(shm.buf);
    expect(Atomics.load(words, 0)).toBe(1_000_000);
    expect(Atomics.load(words, 1)).toBe(777);
    shm.close();
    shm.unlink();
  });

  test('an anonymous (memfd) segment reaches a child through the stdio array', async () => {
    const shm = SharedMemory.anonymous(4096);
    expect(shm.anonymous).toBe(true);
    const words = new Int32Array(shm.buf);
    words[0] = 21;
    const child = fork(fixture('anonymous-child.mjs'), [], {
      cwd: root,
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', shm.anonymousFd!],
    });
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(Atomics.load(words, 1)).toBe(42);
    shm.close();
    shm.unlink(); // nothing to unlink: a no-op
  });

  test('bad input is refused with a clear error before anything is created', () => {
    const missing = `mp_missing_${process.pid}`;
    expect(() => new SharedMemory({ name: missing })).toThrow(
      expect.objectContaining({
        code: 'ENOENT',
        message: `no shared memory segment named "${missing}" exists`,
      }),
    );
    expect(() => new SharedMemory()).toThrow(
      'options.name is required to attach to an existing segment',
    );
    expect(() => new SharedMemory({ create: true })).toThrow(
      new RangeError('options.size must be a positive integer, got 0'),
    );
    expect(() => new SharedMemory({ create: true, size: 0 })).toThrow(
      'options.size must be a positive integer, got 0',
    );
    expect(() => new SharedMemory({ create: true, size: -1 })).toThrow(RangeError);
    expect(() => new SharedMemory({ create: true, size: 10.5 })).toThrow(
      'options.size must be a positive integer, got 10.5 (number)',
    );
    expect(() => new SharedMemory({ create: true, size: NaN })).toThrow(TypeError);
    expect(() => new SharedMemory({ create: true, size: 8, name: 'x'.repeat(256) })).toThrow(
      'options.name is too long: 256 bytes, the limit on linux is 255',
    );
    expect(() => new SharedMemory({ create: true, size: 8, name: 'a/b' })).toThrow(
      "options.name must not contain '/'",
    );
    expect(() => new SharedMemory({ create: 'yes' as unknown as boolean, size: 8 })).toThrow(
      'options.create must be a boolean, got "yes" (string)',
    );
  });

  test('creating a taken name fails with EEXIST and leaves the existing segment alone', () => {
    const shm = new SharedMemory({ create: true, size: 8 });
    expect(() => new SharedMemory({ create: true, size: 8, name: shm.name })).toThrow(
      expect.objectContaining({ code: 'EEXIST' }),
    );
    expect(shmNames().has(shm.name)).toBe(true);
    shm.unlink();
    shm.close();
    expect(() => shm.buf).toThrow(`SharedMemory "${shm.name}" is closed`);
    shm.close(); // idempotent
  });

  test('in worker_threads: a posted buf and a decoded handle both map the same memory', async () => {
    const shm = new SharedMemory({ create: true, size: 64 });
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { decode } = require('@multiproc/serialize');
      require('@multiproc/shared-memory');
      const attached = decode(workerData.handle);
      const viaHandle = new Int32Array(attached.buf);
      const viaPost = new Int32Array(workerData.buf);
      for (let i = 0; i < 100000; i++) { Atomics.add(viaHandle, 0, 1); Atomics.add(viaPost, 1, 1); }
      attached.close();
      parentPort.postMessage(attached.name);
    `;
    const worker = new Worker(source, {
      eval: true,
      workerData: { handle: encode(shm), buf: shm.buf },
    });
    // Listen for 'exit' before anything is awaited: Node may emit it in the same turn as the
    // last 'message', before an await placed after the message would run.
    const exited = new Promise((r) => worker.once('exit', r));
    const named = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const words = new Int32Array(shm.buf);
    for (let i = 0; i < 100000; i++) {
      Atomics.add(words, 0, 1);
      Atomics.add(words, 1, 1);
    }
    const name = await named;
    await exited;
    expect(name).toBe(shm.name);
    expect([Atomics.load(words, 0), Atomics.load(words, 1)]).toEqual([200000, 200000]);
    shm.close();
    shm.unlink();
  });

  test('a handle sent to this process decodes to an attachment by name', () => {
    const shm = new SharedMemory({ create: true, size: 16 });
    const copy = decode(encode({ shm })) as { shm: SharedMemory };
    expect(copy.shm).toBeInstanceOf(SharedMemory);
    new Uint8Array(shm.buf)[3] = 9;
    expect(new Uint8Array(copy.shm.buf)[3]).toBe(9);
    copy.shm.close();
    shm.close();
    shm.unlink();
  });

  test('write() and read() copy bulk data in and out, and refuse ranges that do not fit', () => {
    const shm = new SharedMemory({ create: true, size: 64 });
    try {
      expect(shm.write(Buffer.from('hello world'), 10)).toBe(11);
      expect(Buffer.from(shm.buf).toString('latin1', 10, 21)).toBe('hello world');
      const head = Buffer.alloc(5);
      expect(shm.read(head, 16)).toBe(5);
      expect(head.toString()).toBe('world');
      const tail = Buffer.alloc(100);
      expect(shm.read(tail, 60)).toBe(4);
      expect(() => shm.write(Buffer.alloc(10), 60)).toThrow(
        new RangeError('offset must be from 0 for the 10 bytes to fit in 64, got 60'),
      );
      expect(() => shm.read(head, 65)).toThrow(
        'offset must be from 0 for at most the size, 64, got 65',
      );
      expect(() => shm.write('text' as never)).toThrow(
        'source must be a Buffer, typed array or DataView, got "text" (string)',
      );
    } finally {
      shm.close();
      shm.unlink();
    }
  });
});
