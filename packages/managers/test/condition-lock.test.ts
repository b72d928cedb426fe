// `Condition(lock)` over a manager's own Lock or RLock proxy, as Python's `manager.Condition(lock)`:
// the condition and the lock are one lock, across processes.
import { Process } from '@multiproc/process';
import { Manager, type SyncManager } from '@multiproc/managers';
import { expectNoChildren, rejection, targets, until } from './helpers.js';

describe('Condition(lock)', () => {
  let manager: SyncManager;
  beforeAll(async () => {
    manager = await Manager();
  });
  afterAll(async () => {
    await manager.shutdown();
    await expectNoChildren();
  });

  it('shares a Lock with a child: held while the child holds the condition, free while it waits', async () => {
    const lock = await manager.Lock();
    const cond = await manager.Condition(lock);
    const go = await manager.Event();
    const results = await manager.dict();
    const child = new Process({ target: targets.waitOnCondition, args: [cond, go, results] });
    child.start();
    expect(await until(() => results.get('acquired'), true, 10_000)).toBe(true);
    // The child holds the condition, so the lock itself is taken.
    expect(await lock.acquire({ block: false })).toBe(false);
    await go.set();
    // The child's wait() lets go of the lock: it is ours, then we notify and give it back.
    expect(await lock.acquire({ timeout: 10_000 })).toBe(true);
    await cond.notify();
    await lock.release();
    await child.join(10_000);
    expect(child.exitcode).toBe(0);
    expect(await results.get('notified')).toBe(true);
    expect(await lock.acquire({ block: false })).toBe(true);
    await lock.release();
  }, 20_000);

  it('over an RLock, wait() lets go of every level and takes them all back', async () => {
    const rlock = await manager.RLock();
    const cond = await manager.Condition(rlock);
    await rlock.acquire();
    await cond.acquire(); // the same lock, taken a second time by its owner
    expect(await cond.wait(50)).toBe(false);
    await rlock.release();
    await rlock.release(); // the condition's level, back after the wait, was the RLock's
    const error = await rejection(cond.release());
    expect(error.message).toBe('cannot release an RLock this client does not own');
  });

  it('refuses anything but a Lock or RLock proxy of this manager, before sending', async () => {
    const event = await manager.Event();
    const error = await rejection(
      manager.Condition(event as unknown as Parameters<SyncManager['Condition']>[0]),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(
      /^Condition lock must be a Lock or RLock proxy of this manager, got /,
    );
    await using other = await Manager();
    const foreign = await other.Lock();
    expect((await rejection(manager.Condition(foreign))).message).toMatch(
      /^Condition lock must be a Lock or RLock proxy of this manager, got /,
    );
  });
});
