/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Pipe sendBytes bandwidth, 1 MiB and 64 MiB messages',
  description: `
A running child sends \`count1\` messages of 1 MiB, then \`count64\` of 64 MiB, over a \`Pipe()\`;
each figure is the bytes the parent received divided by the time from its go to the last byte.
The child says it is ready (started, message built) before each go, so no figure includes the
time a child takes to start.
CPython's \`send_bytes\` blocks until the OS has taken the message; multiproc's \`sendBytes\` never
blocks, so its child awaits \`drain()\` after each message to send the same way. The parent
receives each message as a new buffer (\`recvBytes\` / \`recv_bytes\`: the like-for-like
comparison, which the goal is about) or into one reused buffer (\`recvBytesInto\` /
\`recv_bytes_into\`; multiproc reads a large message straight into it).
`,
  baseline: 'CPython recv_bytes',
  metrics: [
    { id: 'mib1', label: '1 MiB messages', unit: 'MB/s', better: 'higher' },
    { id: 'mib64', label: '64 MiB messages', unit: 'MB/s', better: 'higher' },
  ],
  implementations: [
    { name: 'multiproc recvBytes', runner: 'multiproc.mjs', args: ['recvBytes'] },
    { name: 'multiproc recvBytesInto', runner: 'multiproc.mjs', args: ['recvBytesInto'] },
    { name: 'CPython recv_bytes', runner: 'python.py', args: ['recv_bytes'] },
    { name: 'CPython recv_bytes_into', runner: 'python.py', args: ['recv_bytes_into'] },
  ],
  params: { count1: 512, count64: 8 },
  quickParams: { count1: 32, count64: 2 },
  timeoutMs: 120000,
  goals: [
    { implementation: 'multiproc recvBytes', metric: 'mib1', minRatio: 1 },
    { implementation: 'multiproc recvBytes', metric: 'mib64', minRatio: 1 },
  ],
};
