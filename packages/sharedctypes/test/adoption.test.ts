// Rebuilding from a handle passes everything through the constructor: a rebuild that throws
// halfway leaves nothing behind that the next construction could pick up.
import { shareableTypeByName, type DecodeContext } from '@multiproc/serialize';
import { RawValue, SharedArray, Value } from '@multiproc/sharedctypes';
import { RLock } from '@multiproc/synchronize';
import { lingering, shmNames } from './helpers.js';

const context = { handles: [] } as unknown as DecodeContext;

function rebuild(name: string, handle: object): unknown {
  return shareableTypeByName(name)!.fromHandle(handle, context);
}

test('a SharedArray rebuild that throws does not hand its length or lock to the next array', async () => {
  const before = shmNames();
  const original = new SharedArray('i', [1, 2, 3, 4, 5]);
  const handle = shareableTypeByName('multiproc.SharedArray')!.toHandle(original, {} as never);
  const lock = new RLock();
  expect(() =>
    rebuild('multiproc.SharedArray', { ...(handle as object), typecode: 'x', lock }),
  ).toThrow(
    "typecode must be one of 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q' 'Q' 'f' 'd' 'c', got \"x\" (string)",
  );
  const next = new SharedArray('i', [7, 8], { lock: false });
  expect(next.length).toBe(2);
  expect(next.toArray()).toEqual([7, 8]);
  expect(() => next.getLock()).toThrow(
    'this SharedArray was made with { lock: false } and has no lock',
  );
  const withOwnLock = new Value('i', 1);
  expect(withOwnLock.getLock()).not.toBe(lock);
  for (const x of [next, withOwnLock, original, lock]) x.close();
  (handle as { block: { release(): void } }).block.release();
  expect(await lingering(shmNames, (n) => !before.has(n) && !n.startsWith('mp_heap_'))).toEqual([]);
});

test('a RawValue rebuild that throws leaves the next value fresh and zeroed', () => {
  const original = new RawValue('i', 42);
  const handle = shareableTypeByName('multiproc.RawValue')!.toHandle(original, {} as never);
  expect(() => rebuild('multiproc.RawValue', { ...(handle as object), typecode: 'z' })).toThrow(
    TypeError,
  );
  const next = new RawValue('i');
  expect(next.value).toBe(0);
  next.value = 5;
  expect(original.value).toBe(42);
  for (const x of [next, original]) x.close();
  (handle as { block: { release(): void } }).block.release();
});
