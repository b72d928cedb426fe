/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'SharedMemory create + attach + close + unlink',
  description: `
One operation: create a 4 KiB named segment, attach a second object to it by name, close both,
unlink it — the full life of a segment, resource-tracker bookkeeping included (both libraries
tell their tracker about the segment on create and unlink). Each runner does \`warmup\` unrecorded
operations (the tracker starts during them), then \`ops\` timed ones.
`,
  baseline: 'CPython shared_memory',
  metrics: [
    { id: 'opsPerSec', label: 'create+attach+close+unlink', unit: 'ops/s', better: 'higher' },
  ],
  implementations: [
    { name: 'multiproc', runner: 'multiproc.mjs' },
    { name: 'CPython shared_memory', runner: 'python.py' },
  ],
  params: { warmup: 500, ops: 5000 },
  quickParams: { warmup: 50, ops: 300 },
};
