/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'CPU-bound scaling: 40 tasks of ~20 ms, 1 worker vs N workers',
  description: `
Each runner first calibrates \`burn(iterations)\` (a linear congruential generator, the same in
every Node runner; its Python twin in CPython's) to take ~20 ms in one thread. It then times 40
such tasks submitted at once, on a pool of 1 worker and on a pool of N workers (\`workers\`
parameter, 2 by default; \`--param workers=16\` on a bigger machine), both open, started and
warm before timing. Each repetition times the 1-worker pool, then the N-worker pool, so that each
ratio is taken within a second and a noisy neighbour falls on both alike. The speedup is
t(1 worker) / t(N workers); linear scaling gives N when the tasks divide evenly among the
workers (40 tasks on 16 workers can go at most 13.3× faster: run 16 workers with
\`--param tasks=160\`). The raw JSON has the ideal and the efficiency against it. The run value is the median of the
repetitions' speedups; \`elapsedN\` is the median time with N workers.
`,
  baseline: 'CPython multiprocessing.Pool',
  metrics: [
    { id: 'speedup', label: 'speedup, 1 → N workers', unit: 'x', better: 'higher' },
    { id: 'elapsedN', label: '40 tasks on N workers', unit: 'ms', better: 'lower' },
  ],
  implementations: [
    { name: 'multiproc Pool', runner: 'node.mjs', args: ['multiproc'] },
    { name: 'multiproc ThreadPool', runner: 'node.mjs', args: ['multiproc-thread'] },
    { name: 'CPython multiprocessing.Pool', runner: 'python.py' },
    { name: 'piscina (threads)', runner: 'node.mjs', args: ['piscina'] },
    { name: 'tinypool (child_process)', runner: 'node.mjs', args: ['tinypool-process'] },
    { name: 'tinypool (threads)', runner: 'node.mjs', args: ['tinypool-thread'] },
    { name: 'workerpool (process)', runner: 'node.mjs', args: ['workerpool-process'] },
    { name: 'workerpool (thread)', runner: 'node.mjs', args: ['workerpool-thread'] },
    { name: 'jest-worker (child_process)', runner: 'node.mjs', args: ['jest-worker'] },
  ],
  params: { workers: 2, tasks: 40, taskMs: 20, repeats: 5 },
  quickParams: { tasks: 8, repeats: 1 },
  timeoutMs: 300_000,
};
