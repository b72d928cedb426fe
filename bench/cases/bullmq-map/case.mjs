/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'DistributedPool map of x*x over 100,000 integers through Redis, vs the local Pool',
  description: `
Per repetition: one \`map\` of \`x => x * x\` over the integers 0 … 99,999, from the call until
every result is back in order. \`DistributedPool\` sends the items through BullMQ on a local
redis-server to \`workers\` (2) \`multiproc-worker\` processes of one local process each, in chunks
of \`chunksize\` (1000) items, i.e. 100 BullMQ jobs; the local \`Pool\` has \`workers\` processes
and chunks by its own rule. Everything is started and warm before timing. The run value is the
median items/s.
`,
  baseline: 'multiproc Pool (local)',
  metrics: [
    { id: 'itemsPerSecond', label: 'map x*x, 100k items', unit: 'items/s', better: 'higher' },
  ],
  implementations: [
    { name: 'multiproc Pool (local)', runner: 'node.mjs', args: ['local'] },
    { name: 'DistributedPool (Redis, 2 machines)', runner: 'node.mjs', args: ['redis'] },
  ],
  params: { items: 100_000, workers: 2, chunksize: 1000, warmup: 2, repeats: 5 },
  quickParams: { items: 10_000, warmup: 1, repeats: 2 },
  timeoutMs: 180_000,
};
