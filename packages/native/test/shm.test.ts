import { fork } from 'node:child_process';
import { join } from 'node:path';
import {
  closeFd,
  flock,
  mapFd,
  memfdCreate,
  shmAttach,
  shmCreate,
  shmOpen,
  shmUnlink,
  MAX_SHM_NAME_BYTES,
} from '@multiproc/native';
import { exited, fixture, shmNames } from './helpers.js';

const root = join(__dirname, '..');
const uniqueName = (tag: string): string =>
  `mp_test_${tag}_${process.pid}_${Math.random().toString(16).slice(2)}`;

describe('POSIX shared memory segments', () => {
  let before: Set<string>;
  beforeEach(() => {
    before = shmNames();
  });
  afterEach(() => {
    expect([...shmNames()].filter((n) => !before.has(n))).toEqual([]);
  });

  test('a created segment is a SharedArrayBuffer that an attachment by name sees', () => {
    const name = uniqueName('attach');
    const created = shmCreate(name, 4096);
    const attached = shmAttach(name);
    // Jest's sandbox has its own SharedArrayBuffer global, so compare the brand.
    expect(Object.prototype.toString.call(created.buffer)).toBe('[object SharedArrayBuffer]');
    expect(attached.size).toBe(4096);
    new Int32Array(created.buffer)[3] = 1234;
    expect(new Int32Array(attached.buffer)[3]).toBe(1234);
    shmUnlink(name);
    closeFd(created.fd);
    closeFd(attached.fd);
  });

  test('creating an existing name fails with EEXIST and attaching a missing one with ENOENT', () => {
    const name = uniqueName('exists');
    const created = shmCreate(name, 64);
    expect(() => shmCreate(name, 64)).toThrow(
      expect.objectContaining({ code: 'EEXIST', syscall: 'shm_open' }),
    );
    shmUnlink(name);
    closeFd(created.fd);
    expect(() => shmAttach(name)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => shmUnlink(name)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  test('bad names and sizes are refused before anything is created', () => {
    expect(() => shmCreate('a/b', 64)).toThrow(/name must not contain '\/'/);
    expect(() => shmCreate('/leading', 64)).toThrow(TypeError);
    expect(() => shmCreate('', 64)).toThrow('name must not be empty');
    expect(() => shmCreate('x'.repeat(MAX_SHM_NAME_BYTES + 1), 64)).toThrow(
      /name is too long: 256 bytes/,
    );
    expect(() => shmCreate(uniqueName('size'), 0)).toThrow(
      new RangeError('size must be a positive integer, got 0'),
    );
    expect(() => shmCreate(uniqueName('size'), -5)).toThrow(RangeError);
    expect(() => shmCreate(uniqueName('size'), 1.5)).toThrow(
      'size must be a positive integer, got 1.5 (number)',
    );
    expect(() => shmCreate(uniqueName('size'), '64' as unknown as number)).toThrow(TypeError);
    expect(() => shmCreate(42 as unknown as string, 64)).toThrow(
      'name must be a string, got 42 (number)',
    );
  });

  test('every attachment holds a shared flock, so an exclusive try fails until it is released', () => {
    const name = uniqueName('flock');
    const created = shmCreate(name, 64);
    const probe = shmOpen(name);
    expect(flock(probe, 'exclusive')).toBe(false);
    // The mapping keeps the open file (and its lock) alive after close(): unlock explicitly.
    flock(created.fd, 'unlock');
    closeFd(created.fd);
    expect(flock(probe, 'exclusive')).toBe(true);
    closeFd(probe);
    shmUnlink(name);
  });

  test('a child process attached by name writes what the parent then reads, with exact Atomics across 4 processes', async () => {
    const name = uniqueName('count');
    const seg = shmCreate(name, 64);
    const children = Array.from({ length: 4 }, () =>
      fork(fixture('counter-child.mjs'), [name, '250000'], { cwd: root, stdio: 'inherit' }),
    );
    const results = await Promise.all(children.map(exited));
    expect(results).toEqual(Array(4).fill({ code: 0, signal: null }));
    expect(Atomics.load(new Int32Array(seg.buffer), 0)).toBe(1_000_000);
    shmUnlink(name);
    closeFd(seg.fd);
  });

  test('a memfd segment reaches a child through the stdio array and never appears in /dev/shm', async () => {
    const fd = memfdCreate('test', 4096);
    const words = new Int32Array(mapFd(fd));
    words[0] = 21;
    expect([...shmNames()].filter((n) => !before.has(n))).toEqual([]);
    const child = fork(fixture('memfd-child.mjs'), [], {
      cwd: root,
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', fd],
    });
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(Atomics.load(words, 1)).toBe(42);
    closeFd(fd);
  });

  test('mapFd refuses a size beyond the object and memfdCreate a zero size', () => {
    const fd = memfdCreate('small', 4096);
    expect(() => mapFd(fd, 8192)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(mapFd(fd, 100).byteLength).toBe(100);
    closeFd(fd);
    expect(() => memfdCreate('zero', 0)).toThrow(RangeError);
  });
});
