// Producers and consumers take turns on separate locks: a producer stopped at any moment, even
// in the middle of a put (holding the producers' lock), never keeps a consumer from the items
// already in the queue. With one lock for both sides, a get waited for the stopped producer.
import { activeChildren, getContext } from '@multiproc/process';
import { Queue } from '@multiproc/queues';
import { guardLeftovers, shmNames, sleep } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

const { Process } = getContext('spawn');

guardLeftovers({ activeChildren, shmNames });

/** Busy for `ms`: a timer would let the producer fill the queue and sleep before the stop. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** The item, or `'stuck'` after `ms` (a get's timeout did not bound a wait for the lock). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'stuck'> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => {
    timer = setTimeout(() => resolve('stuck'), ms);
  });
  try {
    return await Promise.race([promise, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

it('a consumer takes the queued items while a producer is stopped, even inside a put', async () => {
  // 256 KiB records: copying one is most of a put, so a stop often lands in the producers'
  // lock. The ring (16 MiB) holds maxsize (32) of them, so it never grows (growing a ring
  // takes both locks).
  const size = 256 << 10;
  using q = new Queue<Buffer>({ maxsize: 32, ringBytes: 16 << 20 });
  const p = new Process({ target: targets.produceNumbered, args: [q, size] });
  p.start();
  const pid = p.pid!;
  let next = 0;
  let rounds = 0;
  try {
    while (q.empty()) await sleep(5);
    for (; rounds < 40; rounds++) {
      process.kill(pid, 'SIGSTOP');
      const n = q.qsize();
      for (let i = 0; i < n; i++) {
        const item = await within(q.get({ timeout: 5000 }), 10_000);
        if (item === 'stuck') throw new Error(`round ${rounds}: a get waited for the producer`);
        expect([item.length, item.readUInt32LE(0)]).toEqual([size, next++]);
      }
      process.kill(pid, 'SIGCONT');
      spin((rounds % 8) / 4);
    }
  } finally {
    process.kill(pid, 'SIGCONT');
    p.kill();
    await p.join(10_000);
  }
  expect(rounds).toBe(40);
  expect(next).toBeGreaterThan(40);
}, 60_000);
