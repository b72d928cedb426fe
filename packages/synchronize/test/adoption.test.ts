// Rebuilding from a handle passes everything through the constructor: a rebuild that throws
// halfway leaves nothing behind that the next construction could pick up.
import { shareableTypeByName, type DecodeContext } from '@multiproc/serialize';
import { Condition, Lock } from '@multiproc/synchronize';

const context = { handles: [] } as unknown as DecodeContext;

test('a Condition rebuild that throws does not make the next condition own a lock it was lent', () => {
  const original = new Condition();
  const type = shareableTypeByName('multiproc.Condition')!;
  const handle = type.toHandle(original, {} as never) as { block: { release(): void } };
  expect(() => type.fromHandle({ ...handle, lock: 'not a lock' }, context)).toThrow(
    'lock must be a Lock or an RLock, got "not a lock" (string)',
  );
  const lent = new Lock();
  const cond = new Condition(lent);
  cond.close();
  expect(lent.closed).toBe(false); // a lent lock stays with its owner
  lent.close();
  original.close();
  handle.block.release();
});
