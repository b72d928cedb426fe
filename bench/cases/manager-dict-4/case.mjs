/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Manager dict set + get from 4 child processes at once',
  description: `
As \`manager-dict\`, with 4 children at once, each on its own key of one shared dict; they meet
at a manager \`Barrier\` after warming up. Throughput is every child's pairs over the time from
the first child's start to the last child's end. One server process answers them all (CPython:
one thread per connection in the server; multiproc: one event loop). \`coldPairsPerSecond\`
is the warm-up's rate, as in \`manager-dict\`.
`,
  baseline: 'CPython Manager',
  metrics: [
    {
      id: 'pairsPerSecond',
      label: 'set + get pairs per second, 4 children',
      unit: 'ops/s',
      better: 'higher',
    },
    { id: 'usPerOp', label: 'one proxy call, per child', unit: 'µs', better: 'lower' },
    {
      id: 'coldPairsPerSecond',
      label: 'warm-up pairs per second, fresh children',
      unit: 'ops/s',
      better: 'higher',
    },
  ],
  implementations: [
    { name: 'multiproc Manager', runner: 'multiproc.mjs' },
    { name: 'CPython Manager', runner: 'python.py' },
  ],
  params: { children: 4, warmup: 3000, pairs: 3000 },
  quickParams: { warmup: 50, pairs: 300 },
  goals: [{ implementation: 'multiproc Manager', metric: 'pairsPerSecond', minRatio: 2 }],
};
