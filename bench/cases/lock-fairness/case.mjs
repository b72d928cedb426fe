/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Lock under contention: 4 processes hammering one lock',
  description: `
Four child processes loop for \`ms\` milliseconds: take the lock, add 1 to a shared counter, release.
Each records how long its longest acquire waited; the figures are the longest wait of any
acquirer (starvation shows here) and the acquisitions per second of all four together. The
children start, report ready, and wait for a start \`Event\`, so all four hammer at once. Every
run checks that the counter equals the sum of the acquisitions. On a 2-CPU machine, four busy
processes share two CPUs, so waits of a few scheduler time slices are expected for any lock.
`,
  baseline: 'CPython Lock',
  metrics: [
    { id: 'longestWait', label: 'longest wait of any acquirer', unit: 'ms', better: 'lower' },
    { id: 'rate', label: 'acquisitions, all 4 together', unit: 'ops/s', better: 'higher' },
  ],
  implementations: [
    { name: 'multiproc Lock', runner: 'multiproc.mjs' },
    { name: 'CPython Lock', runner: 'python.py' },
  ],
  params: { processes: 4, ms: 1500 },
  quickParams: { processes: 4, ms: 300 },
};
