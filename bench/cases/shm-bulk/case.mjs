/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Bulk transfer of 64 MiB, parent → child',
  description: `
One transfer: the parent copies 64 MiB into the transport and the running child copies it out
into memory of its own, then answers with one byte over a control channel. Through shared memory
that is two copies (in, out), as in CPython's \`shared_memory\` version, so the floor is half the
speed of one \`memcpy\`; the goal asks for at least that (within 2x of memcpy). The pipe version
writes the bytes into the child's stdin. The baseline is one in-process \`Buffer.copy\` of 64 MiB.
Each runner times \`transfers\` transfers after one unrecorded one and reports the median.
`,
  baseline: 'memcpy (one Buffer.copy)',
  metrics: [{ id: 'throughput', label: '64 MiB parent → child', unit: 'MB/s', better: 'higher' }],
  implementations: [
    { name: 'multiproc SharedMemory', runner: 'node.mjs', args: ['shm'] },
    { name: 'CPython shared_memory', runner: 'python.py' },
    { name: 'pipe (Node child stdin)', runner: 'node.mjs', args: ['pipe'] },
    { name: 'memcpy (one Buffer.copy)', runner: 'node.mjs', args: ['memcpy'] },
  ],
  params: { transfers: 7 },
  quickParams: { transfers: 3 },
  goals: [{ implementation: 'multiproc SharedMemory', metric: 'throughput', minRatio: 0.5 }],
};
