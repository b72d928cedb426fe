/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Manager dict set + get from a child process',
  description: `
A child process does awaited \`d.set(i, n)\` then \`d.get(i)\` pairs on a dict proxy of a
manager started by its parent (CPython: \`d[i] = n; d[i]\` on \`multiprocessing.Manager().dict()\`,
default start method). It warms up for \`warmup\` pairs, then times \`pairs\` pairs on the
machine's monotonic clock. \`usPerOp\` is half a pair: one proxy call, a round trip to the
manager's server process. \`coldPairsPerSecond\` is the warm-up's own rate, from a fresh
child: V8 compiles multiproc's client and server code during the first thousands of calls
(CPython has nothing to compile), so the warm-up is 3,000 pairs, which covers that. A second multiproc run sends each pair's set and get together
(\`Promise.all\`; the server answers a connection's calls in order, so the get sees the set),
which async proxies allow and CPython's blocking proxies cannot.
`,
  baseline: 'CPython Manager',
  metrics: [
    { id: 'pairsPerSecond', label: 'set + get pairs per second', unit: 'ops/s', better: 'higher' },
    { id: 'usPerOp', label: 'one proxy call', unit: 'µs', better: 'lower' },
    {
      id: 'coldPairsPerSecond',
      label: 'warm-up pairs per second, fresh child',
      unit: 'ops/s',
      better: 'higher',
    },
  ],
  implementations: [
    { name: 'multiproc Manager', runner: 'multiproc.mjs', args: ['awaited'] },
    { name: 'multiproc Manager, set+get together', runner: 'multiproc.mjs', args: ['together'] },
    { name: 'CPython Manager', runner: 'python.py' },
  ],
  params: { children: 1, warmup: 3000, pairs: 5000 },
  quickParams: { warmup: 50, pairs: 300 },
  goals: [{ implementation: 'multiproc Manager', metric: 'pairsPerSecond', minRatio: 2 }],
};
