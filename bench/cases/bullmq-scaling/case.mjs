/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'DistributedPool scaling: map of 100,000 small tasks on 1 vs 4 worker processes',
  description: `
Per repetition: one \`map\` of \`x => x * x\` over 100,000 integers in chunks of 1000, timed on
one \`multiproc-worker\` of one process, then on \`workers\` (4) of one process each, all on this
machine and one local redis-server. The local \`Pool\` does the same with 1 and 4 processes. The
run value is the median of the repetitions' t(1) / t(4). On a 2-core machine the ideal is 2×:
past the cores, more processes only share them.
`,
  baseline: 'multiproc Pool (local)',
  metrics: [
    { id: 'speedup', label: 'speedup, 1 → 4 processes', unit: 'x', better: 'higher' },
    { id: 'elapsedN', label: '100k items on 4 processes', unit: 'ms', better: 'lower' },
  ],
  implementations: [
    { name: 'multiproc Pool (local)', runner: 'node.mjs', args: ['local'] },
    { name: 'DistributedPool (Redis)', runner: 'node.mjs', args: ['redis'] },
  ],
  params: { work: 'small', workers: 4, repeats: 5 },
  quickParams: { items: 10_000, repeats: 1 },
  timeoutMs: 300_000,
};
