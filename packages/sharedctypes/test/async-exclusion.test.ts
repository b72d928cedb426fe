// The default lock of Value and SharedArray is an RLock owned by the async chain that took it: async
// read-sleep-write sections stay exclusive within one process, across processes and threads.
import type { Process } from '@multiproc/process';
import { activeChildren, getContext } from '@multiproc/process';
import { SharedArray, Value } from '@multiproc/sharedctypes';
import { guardLeftovers, shmNames, sleep } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => Promise<void>
>;

guardLeftovers({ activeChildren, shmNames });

describe('async sections under the default lock', () => {
  it('Value: 3 tasks × 20 read-sleep-write increments make exactly 60', async () => {
    const v = new Value('i', 0);
    await targets['asyncIncrements']!(v, 3, 20);
    expect(v.value).toBe(60);
    v.close();
  }, 20_000);

  it("Value('d'): reads and writes inside another chain's section do not break it", async () => {
    const v = new Value('d', 0);
    const lock = v.getLock();
    let holderSaw = -1;
    const holder = lock.withLock(async () => {
      v.value = 1.5;
      await sleep(20);
      holderSaw = v.value;
    });
    await sleep(5);
    expect(v.value).toBe(1.5); // a single read needs no exclusion from a suspended holder
    await holder;
    expect(holderSaw).toBe(1.5);
    v.close();
  }, 10_000);

  it('SharedArray: 3 tasks × 20 read-sleep-write increments of element 0 make exactly 60', async () => {
    const arr = new SharedArray('i', 2);
    const task = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        await arr.getLock().withLock(async () => {
          const x = arr[0]!;
          await sleep(1);
          arr[0] = x + 1;
        });
      }
    };
    await Promise.all([task(), task(), task()]);
    expect(arr.toArray()).toEqual([60, 0]);
    arr.close();
  }, 20_000);

  it('across this process, a spawned child and a thread: 3 × (3 tasks × 20) make exactly 180', async () => {
    const v = new Value('i', 0);
    const children: Process[] = (['spawn', 'thread'] as const).map((method) => {
      const { Process: P } = getContext(method);
      return new P({ target: targets['asyncIncrements'], args: [v, 3, 20] });
    });
    for (const p of children) p.start();
    await targets['asyncIncrements']!(v, 3, 20);
    await Promise.all(children.map((p) => p.join(30_000)));
    expect(children.map((p) => p.exitcode)).toEqual([0, 0]);
    expect(v.value).toBe(180);
    v.close();
  }, 40_000);
});
