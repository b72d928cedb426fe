import { existsSync } from 'node:fs';
import { SharedMemoryManager } from '@multiproc/managers';
import { expectNoChildren, rejection } from './helpers.js';

describe('SharedMemoryManager', () => {
  afterAll(expectNoChildren);

  it('creates segments and lists, and unlinks every one at shutdown', async () => {
    const smm = new SharedMemoryManager();
    await smm.start();
    const shm = await smm.SharedMemory(128);
    expect(shm.size).toBeGreaterThanOrEqual(128);
    new Uint8Array(shm.buf)[0] = 42;
    const sl = await smm.ShareableList([1, 'two', null, true]);
    expect(sl.toArray()).toEqual([1, 'two', null, true]);
    sl.set(0, 7);
    const names = [shm.name, sl.shm.name];
    for (const name of names) expect(existsSync(`/dev/shm/${name}`)).toBe(true);
    await smm.shutdown();
    for (const name of names) expect(existsSync(`/dev/shm/${name}`)).toBe(false);
    // This process's mappings stay valid until closed, as with any unlinked segment.
    expect(new Uint8Array(shm.buf)[0]).toBe(42);
    shm.close();
    sl.shm.close();
    const after = await rejection(smm.SharedMemory(8));
    expect(after.message).toBe(`the manager at ${String(smm.address)} was shut down`);
  });

  it('refuses a bad size, naming it', async () => {
    await using smm = new SharedMemoryManager();
    await smm.start();
    const error = await rejection(smm.SharedMemory(-1));
    expect(error.message).toBe('SharedMemory size must be a positive integer, got -1 (number)');
  });
});
