/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'SharedMemory create + attach + close + unlink',
  description: `
One operation: create a 4 KiB named segment, attach a second object to it by name, close both,
unlink it — the full life of a segment, resource-tracker bookkeeping included (both libraries
tell their tracker about the segment on create and unlink). Each runner repeats the operation
unrecorded for \`warmupMs\` milliseconds, then times \`ops\` of them. The warm-up is timed
rather than counted so that it covers the start of each library's tracker process (a separate
Node or Python process that would otherwise boot on the other CPU during the timed part).
`,
  baseline: 'CPython shared_memory',
  metrics: [
    { id: 'opsPerSec', label: 'create+attach+close+unlink', unit: 'ops/s', better: 'higher' },
  ],
  implementations: [
    { name: 'multiproc', runner: 'multiproc.mjs' },
    { name: 'CPython shared_memory', runner: 'python.py' },
  ],
  params: { warmupMs: 1000, ops: 20000 },
  quickParams: { warmupMs: 200, ops: 1000 },
};
