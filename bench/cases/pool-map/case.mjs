/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Pool map of x*x over 1,000,000 integers, 2 workers (warmed, and a first call)',
  description: `
Per repetition: the time of one \`map\` of \`x => x * x\` over the integers 0 … 999,999 (a plain
array built before timing), from the call until every result is back in the parent, in order, as
one array. The pool is started and all its workers have run tasks before the first repetition,
so no worker start is timed; the first repetitions are warm-ups. multiproc (\`Pool\` and
\`ThreadPool\`) and CPython (\`multiprocessing.Pool\`, fork) chunk the items themselves with their
default rule (⌈items / (4 × workers)⌉ per chunk). The Node pools have no map: they are fed
1,000-item batches (\`squareBatch\`), all submitted at once, and the results are concatenated in
order. The run value is the median items/s of the repetitions.

The first call: what a script that calls \`map\` once sees. First thing in each runner's fresh
process, a fresh pool of 2 workers (not started beforehand) maps the first 1,000 integers (the same
function; this starts the pool), then one \`map\` of the 1,000,000 integers is timed. One sample per
round, so the run value is that one figure and the headline the median over the rounds. Nothing is
warm but what the small map ran, in the parent and in the workers.
`,
  baseline: 'CPython multiprocessing.Pool',
  metrics: [
    { id: 'itemsPerSecond', label: 'map x*x, 1M items', unit: 'items/s', better: 'higher' },
    {
      id: 'firstItemsPerSecond',
      label: 'first map on a fresh pool, 1M items',
      unit: 'items/s',
      better: 'higher',
    },
  ],
  implementations: [
    { name: 'multiproc Pool', runner: 'node.mjs', args: ['multiproc'] },
    { name: 'multiproc ThreadPool', runner: 'node.mjs', args: ['multiproc-thread'] },
    { name: 'CPython multiprocessing.Pool', runner: 'python.py' },
    { name: 'piscina (threads, 1000-item batches)', runner: 'node.mjs', args: ['piscina'] },
    {
      name: 'tinypool (child_process, 1000-item batches)',
      runner: 'node.mjs',
      args: ['tinypool-process'],
    },
    {
      name: 'tinypool (threads, 1000-item batches)',
      runner: 'node.mjs',
      args: ['tinypool-thread'],
    },
    {
      name: 'workerpool (process, 1000-item batches)',
      runner: 'node.mjs',
      args: ['workerpool-process'],
    },
    {
      name: 'workerpool (thread, 1000-item batches)',
      runner: 'node.mjs',
      args: ['workerpool-thread'],
    },
    {
      name: 'jest-worker (child_process, 1000-item batches)',
      runner: 'node.mjs',
      args: ['jest-worker'],
    },
  ],
  params: {
    items: 1_000_000,
    workers: 2,
    batch: 1000,
    warmup: 3,
    repeats: 7,
    firstWarmup: 1000,
  },
  quickParams: { items: 100_000, warmup: 1, repeats: 2 },
  timeoutMs: 180_000,
  goals: [
    { implementation: 'multiproc Pool', metric: 'itemsPerSecond', minRatio: 3 },
    { implementation: 'multiproc Pool', metric: 'firstItemsPerSecond', minRatio: 5 },
  ],
};
