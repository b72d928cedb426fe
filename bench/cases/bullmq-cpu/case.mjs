/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'DistributedPool CPU-bound scaling: 40 tasks of ~20 ms, 1 vs N worker processes',
  description: `
Each runner calibrates \`burn(iterations)\` (the same as pool-scaling's) to ~20 ms, then times 40
such tasks (\`map\`, chunksize 1) on one \`multiproc-worker\` of one process, then on \`workers\`
(2 by default, one per core; \`--param workers=16\` on a bigger machine) of one process each,
through one local redis-server. The local \`Pool\` does the same with 1 and N processes. The run
value is the median t(1) / t(N); linear scaling gives N. Each task also reports the CPU time it
got and the wall time it ran: their ratio on N processes (\`cpuShare\`) is near 1 on a quiet
machine and shows when other work on the cores, not the pool, holds the speedup down.
`,
  baseline: 'multiproc Pool (local)',
  metrics: [
    { id: 'speedup', label: 'speedup, 1 → N processes', unit: 'x', better: 'higher' },
    { id: 'elapsedN', label: '40 tasks on N processes', unit: 'ms', better: 'lower' },
    {
      id: 'cpuShare',
      label: 'CPU a task got while it ran, on N processes (1 = a whole core)',
      unit: 'x',
      better: 'higher',
    },
  ],
  implementations: [
    { name: 'multiproc Pool (local)', runner: 'node.mjs', args: ['local'] },
    { name: 'DistributedPool (Redis)', runner: 'node.mjs', args: ['redis'] },
  ],
  params: { work: 'cpu', workers: 2, tasks: 40, taskMs: 20, repeats: 5 },
  quickParams: { tasks: 8, repeats: 1 },
  timeoutMs: 300_000,
};
