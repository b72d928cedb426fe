// A timeout of 2^31 ms or more (past Node's timer limit, where a plain setTimeout fires after
// 1 ms) waits as long as it says: the task is not killed, get() and next() do not reject early.
import { Pool } from '@multiproc/pool';
import { expectNoChildren, settle, tasks } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let pool: Pool;
beforeAll(() => {
  pool = new Pool(2);
});
afterAll(async () => {
  pool.close();
  await pool.join();
  await expectNoChildren();
});

describe.each([2 ** 31, 1e12])('a timeout of %d ms', (timeout) => {
  it('pool.apply() lets a task of 500 ms finish on the same worker', async () => {
    const before = pool.workers().map((w) => w.pid);
    expect(await pool.apply(tasks.delayed, [500], { timeout })).toBe(500);
    const after = pool.workers().map((w) => w.pid);
    expect(after.filter((pid) => before.includes(pid))).toEqual(before);
  });

  it('applyAsync().get() and imap().next() wait for a result of 500 ms', async () => {
    const started = pool.applyAsync(tasks.delayed, [500]);
    const got = await settle(started.get(timeout));
    expect(got).toEqual({ ok: true, value: 500 });
    const iterator = pool.imap(tasks.delayed, [500, 10]);
    expect(await iterator.next(timeout)).toEqual({ done: false, value: 500 });
    expect(await iterator.next(timeout)).toEqual({ done: false, value: 10 });
    expect(await iterator.next(timeout)).toEqual({ done: true, value: undefined });
  });
});

describe('the timeout rule', () => {
  it('get(): 0 or less answer at once, null waits', async () => {
    const result = pool.applyAsync(tasks.delayed, [300]);
    for (const now of [0, -1]) {
      const got = await settle(result.get(now));
      expect(!got.ok && got.error.name).toBe('TimeoutError');
    }
    const waiting = result.get(null);
    await sleep(50);
    expect(result.ready()).toBe(false);
    expect(await waiting).toBe(300);
  });
});
