// Shared memory handed to real child processes started by `Process`, as arguments.
import { readdirSync } from 'node:fs';
import type { Process } from '@multiproc/process';
import { activeChildren, getContext } from '@multiproc/process';
import { SharedMemory } from '@multiproc/shared-memory';
import { heapAllocate } from '@multiproc/shared-memory/internal';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/process-targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

async function runAll(processes: Process[]): Promise<number[]> {
  for (const p of processes) p.start();
  await Promise.all(processes.map((p) => p.join(20_000)));
  return processes.map((p) => p.exitcode ?? -999);
}

afterEach(() => {
  for (const p of activeChildren()) p.kill();
});

describe.each(['spawn', 'thread'] as const)('SharedMemory as a %s Process argument', (method) => {
  const { Process: P } = getContext(method);

  it('is the same memory in 4 children: Atomics counters add up exactly', async () => {
    const shm = new SharedMemory({ create: true, size: 64 });
    try {
      const codes = await runAll(
        [1, 2, 3, 4].map(() => new P({ target: targets['count'], args: [shm, 25_000] })),
      );
      expect(codes).toEqual([0, 0, 0, 0]);
      expect(Atomics.load(new Int32Array(shm.buf), 0)).toBe(100_000);
    } finally {
      shm.close();
      shm.unlink();
    }
  });

  it('carries an anonymous (memfd) segment, which never appears in /dev/shm', async () => {
    const before = readdirSync('/dev/shm').length;
    const shm = SharedMemory.anonymous(4096);
    expect(readdirSync('/dev/shm').length).toBe(before);
    try {
      const codes = await runAll([
        new P({ target: targets['write'], args: [shm, 'written by the child'] }),
      ]);
      expect(codes).toEqual([0]);
      expect(Buffer.from(shm.buf).toString('utf8', 16, 16 + 20)).toBe('written by the child');
    } finally {
      shm.close();
    }
  });

  it('carries heap blocks: a child increments a counter it received', async () => {
    const block = heapAllocate(8);
    try {
      const codes = await runAll([new P({ target: targets['bump'], args: [block, 1000] })]);
      expect(codes).toEqual([0]);
      expect(Atomics.load(new Int32Array(block.buffer, block.byteOffset, 1), 0)).toBe(1000);
    } finally {
      block.release();
    }
  });
});
