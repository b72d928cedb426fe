/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Bulk transfer of 64 MiB, parent → child',
  description: `
One transfer: the parent copies 64 MiB into the transport and the running child takes it, then
answers with one byte over a control channel. Two ways for the child to take it:
- **copies out** into memory of its own: two full copies (in, out), like for like with CPython's
  \`shared_memory\` (\`bytes(shm.buf)\`), so the floor is half the speed of one \`memcpy\`;
- **reads in place**, which is what shared memory is for: the child scans every byte where it lies
  (\`Buffer#indexOf\` of a byte that is not there; CPython: \`mmap.find\`, which copies nothing
  either), so one copy plus one read.
The pipe version writes the bytes into the child's stdin. The baseline is one in-process
\`Buffer.copy\` of 64 MiB; the goal (issue 3: within 2x of memcpy) applies to the in-place
transfer. Each runner times \`transfers\` transfers after one unrecorded one, reports the median.
`,
  baseline: 'memcpy (one Buffer.copy)',
  metrics: [{ id: 'throughput', label: '64 MiB parent → child', unit: 'MB/s', better: 'higher' }],
  implementations: [
    {
      name: 'multiproc SharedMemory (child reads in place)',
      runner: 'node.mjs',
      args: ['shm', 'scan'],
    },
    { name: 'CPython shared_memory (child reads in place)', runner: 'python.py', args: ['scan'] },
    {
      name: 'multiproc SharedMemory (child copies out)',
      runner: 'node.mjs',
      args: ['shm', 'copy'],
    },
    { name: 'CPython shared_memory (child copies out)', runner: 'python.py', args: ['copy'] },
    { name: 'pipe (Node child stdin)', runner: 'node.mjs', args: ['pipe'] },
    { name: 'memcpy (one Buffer.copy)', runner: 'node.mjs', args: ['memcpy'] },
  ],
  params: { transfers: 7 },
  quickParams: { transfers: 3 },
  goals: [
    {
      implementation: 'multiproc SharedMemory (child reads in place)',
      metric: 'throughput',
      minRatio: 0.5,
    },
  ],
};
