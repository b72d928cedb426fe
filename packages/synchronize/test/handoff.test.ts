// The hand-over mode of a Lock (mutex.ts) when the starving waiter that asked for it is killed:
// the lock must go back to normal mode (barging), not hand over on every contended release for
// ever, and the next acquire must still succeed.
import { activeChildren, getContext } from '@multiproc/process';
import { Event, Lock } from '@multiproc/synchronize';
import { mutexCoreOf } from '../src/lock.js';
import { guardLeftovers, shmNames, waitUntil } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

guardLeftovers({ activeChildren, shmNames });

describe('a starving waiter killed', () => {
  it('the lock leaves hand-over mode, and the next acquire succeeds', async () => {
    const { Process: P } = getContext('spawn');
    const lock = new Lock();
    const core = mutexCoreOf(lock)!;
    const waiting = new Event();
    lock.acquireSync();
    const child = new P({ target: targets['waitForLock'], args: [lock, waiting] });
    child.start();
    expect(await waiting.wait(20_000)).toBe(true);
    // The child has slept (its owner check every 100 ms wakes it) and waited over 1 ms: it is
    // starving, and contended releases hand the lock over.
    expect(await waitUntil(() => core.handsOver(), 20_000)).toBe(true);
    child.kill();
    await child.join(10_000);
    expect(child.exitcode).toBe(-9);
    expect(await waitUntil(() => !core.handsOver(), 5_000)).toBe(true);
    // Its registration (WAITERS) is left behind: this release takes the contended path, which
    // finds nobody asleep, and leaves the lock free.
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(lock.acquireSync({ timeout: 5_000 })).toBe(true);
    lock.release();
    // Normal mode: a release with a waiter registered lets the releaser take the lock straight
    // back; in hand-over mode the word would be HANDOFF, which only a woken waiter may take.
    lock.acquireSync();
    const pending = lock.acquire();
    lock.release();
    expect(lock.acquireSync({ block: false })).toBe(true);
    lock.release();
    expect(await pending).toBe(true);
    lock.release();
    waiting.close();
    lock.close();
  });
});
