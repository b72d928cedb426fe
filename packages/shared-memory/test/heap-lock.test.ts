// The arena lock names its holder by thread: a worker thread terminated inside the critical
// section does not wedge later allocations of its process.
import { fixture, lingering, runNode, shmNames } from './helpers.js';

const root = `${__dirname}/..`;

test('a thread terminated inside the arena lock does not wedge the next allocation', async () => {
  const before = shmNames();
  const result = await runNode(fixture('heap-thread-killed.mjs'), [], {
    cwd: root,
    timeoutMs: 15_000,
  });
  expect({ code: result.code, stdout: result.stdout.trim() }).toEqual({
    code: 0,
    stdout: 'ok 100',
  });
  // The program's tracker unlinks its arenas once it has ended.
  expect(await lingering(shmNames, (n) => !before.has(n))).toEqual([]);
}, 30_000);
