import { fork } from 'node:child_process';
import { join } from 'node:path';
import { decode, encode } from '@multiproc/serialize';
import type { HeapBlock } from '@multiproc/shared-memory';
import { ShareableList, heapStats } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';
import { exited, fixture, nextMessage, shmNames } from './helpers.js';
import { guardSegmentsPerTest } from '../../../tooling/test-helpers.js';

const root = join(__dirname, '..');

describe('the small-object heap', () => {
  test('ten thousand small blocks fit in one arena, 16-byte aligned and zeroed', () => {
    const before = heapStats().ownArenas;
    const blocks = Array.from({ length: 10_000 }, () => heapAllocate(4));
    expect(heapStats().ownArenas - before).toBeLessThanOrEqual(1);
    expect(blocks.every((b) => b.byteOffset % 16 === 0)).toBe(true);
    expect(new Set(blocks.map((b) => `${b.byteOffset}`)).size).toBe(10_000);
    new Int32Array(blocks[0]!.buffer, blocks[0]!.byteOffset, 1)[0] = 5;
    blocks.forEach((b) => b.release());
    const again = heapAllocate(4);
    expect(new Int32Array(again.buffer, again.byteOffset, 1)[0]).toBe(0);
    again.release();
  });

  test('a released block is reused, and a stale handle to it is refused', () => {
    const block = heapAllocate(16);
    const bytes = encode(block); // takes a reference for the receiver
    const received = decode(bytes) as HeapBlock;
    block.release();
    received.release(); // now free
    const reused = heapAllocate(16);
    expect(reused.byteOffset).toBe(block.byteOffset);
    expect(() => decode(bytes)).toThrow(/stale heap block handle/);
    reused.release();
  });

  test('a block sent to a child stays valid after the sender releases it', async () => {
    const block = heapAllocate(8);
    const child = fork(fixture('heap-child.mjs'), [], { cwd: root });
    child.send(encode(block).toString('base64'));
    block.release(); // the child holds its own reference
    expect(await nextMessage(child)).toBe('done');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(Atomics.load(new Int32Array(block.buffer, block.byteOffset, 2), 0)).toBe(1000);
  });

  test('bad sizes are refused', () => {
    expect(() => heapAllocate(0)).toThrow('size must be a positive integer, got 0 (number)');
    expect(() => heapAllocate(2.5)).toThrow(TypeError);
  });
});

describe('ShareableList', () => {
  guardSegmentsPerTest(shmNames);

  test('holds numbers, strings, booleans, null and bytes, and attaches by name', () => {
    const list = new ShareableList([
      'howdy',
      42,
      -273.154,
      100.0,
      true,
      null,
      new Uint8Array([1, 2, 3]),
    ]);
    expect(list.length).toBe(7);
    const same = new ShareableList(null, { name: list.shm.name });
    expect(same.toArray()).toEqual([
      'howdy',
      42,
      -273.154,
      100,
      true,
      null,
      new Uint8Array([1, 2, 3]),
    ]);
    list.set(0, 'hi');
    list.set(1, false);
    list.set(-1, null);
    expect([same.get(0), same.get(1), same.get(6)]).toEqual(['hi', false, null]);
    expect([...same]).toHaveLength(7);
    same.shm.close();
    list.shm.close();
    list.shm.unlink();
  });

  test('travels as a handle, and refuses values that do not fit or are not supported', () => {
    const list = new ShareableList(['abc', 1]);
    const copy = decode(encode(list)) as ShareableList;
    expect(copy.toArray()).toEqual(['abc', 1]);
    expect(() => list.set(0, 'a string longer than eight bytes')).toThrow(
      new RangeError('item 0 of this ShareableList holds at most 8 bytes; the new value needs 32'),
    );
    expect(() => list.set(2, 1)).toThrow('index 2 is out of range for a ShareableList of length 2');
    expect(() => list.set(0, {} as unknown as number)).toThrow(
      'value must be a number, string, boolean, null or Uint8Array, got an object',
    );
    expect(() => new ShareableList([1, undefined as unknown as number])).toThrow(
      'sequence[1] must be',
    );
    expect(() => new ShareableList()).toThrow('ShareableList needs a sequence');
    copy.shm.close();
    list.shm.close();
    list.shm.unlink();
  });
});
