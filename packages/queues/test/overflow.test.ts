// An unbounded queue never makes a producer wait: a producer that puts more than the ring holds,
// with no consumer running, finishes and exits; the items wait in shared memory (a grown ring),
// in order, and nothing is left in /dev/shm once the program has ended, even when producers are
// SIGKILLed in the middle of growing it.
import { activeChildren, getContext, type Process } from '@multiproc/process';
import { Queue } from '@multiproc/queues';
import { fixture, runNode, segmentsLeft } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

interface Item {
  p: number;
  i: number;
  pad: string;
}

afterEach(() => {
  for (const p of activeChildren()) p.kill();
});

async function exitcodeOf(p: Process): Promise<number | null> {
  await p.join(30_000);
  return p.exitcode;
}

describe.each(['spawn', 'thread'] as const)('a producer with no consumer (%s)', (method) => {
  const ctx = getContext(method);

  it('puts 3x the ring bytes, exits with code 0, and every item arrives in order', async () => {
    const ringBytes = 1 << 20;
    const n = (3 * ringBytes) / 1024;
    using q = new Queue<Item>({ ringBytes });
    // Item n/2 is over half the ring: it travels in a block of its own, between ring records.
    const p = new ctx.Process({
      target: targets.produceBytes,
      args: [q, 1, n, 1000, n / 2, 600_000],
    });
    p.start();
    expect(await exitcodeOf(p)).toBe(0);
    expect(q.qsize()).toBe(n);
    for (let i = 0; i < n; i++) {
      const item = q.getSync({ timeout: 0 });
      expect([item.p, item.i, item.pad.length]).toEqual([1, i, i === n / 2 ? 600_000 : 1000]);
    }
    expect(q.empty()).toBe(true);
    // The grown ring keeps working for the next burst, from this process.
    for (let i = 0; i < 5000; i++) q.putSync({ p: 2, i, pad: '' });
    for (let i = 0; i < 5000; i++) expect(q.getSync({ timeout: 0 }).i).toBe(i);
  }, 60_000);
});

it('keeps every item of producers SIGKILLed while the ring grows, and leaves nothing in /dev/shm', async () => {
  const run = await runNode(fixture('overflow-kill-program.mjs'), ['8'], { timeoutMs: 90_000 });
  expect(run.stderr.split('\n').filter((l) => /Error/.test(l))).toEqual([]);
  expect(run.code).toBe(0);
  const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    kills: number;
    killedItems: number;
    gaps: string[];
    finalExitcode: number;
    finalItems: number;
    segments: string[];
  };
  expect(summary.kills).toBe(8);
  expect(summary.finalExitcode).toBe(0);
  // Each killed producer's items are 0..k-1 in order: none lost, none out of order.
  expect(summary.gaps).toEqual([]);
  expect(summary.killedItems).toBeGreaterThan(0);
  expect(summary.finalItems).toBe(3 * 4096);
  expect(summary.segments.length).toBeGreaterThanOrEqual(1);
  expect(await segmentsLeft(summary.segments)).toEqual([]);
}, 120_000);
