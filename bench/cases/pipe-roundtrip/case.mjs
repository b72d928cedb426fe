/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Pipe round trip of a small message (an array, a plain object)',
  description: `
One round trip: the parent sends a small message over a duplex \`Pipe()\` and receives it back
from a running child that echoes every message. Two shapes take turns, one round trip each, in
the same process and on the same pipe: an array \`[1, 'hello', null]\` and a plain object
\`{ i, op: 'ping' }\` (\`i\` the round trip's number; a dict for CPython), so that the machine's
noise falls on both alike. multiproc runs it twice: with both ends awaiting \`recv()\` (event
loops on both sides), and with both ends blocking in \`recvSync()\`, as CPython's \`recv()\` does.
Each runner times every round trip after the warm-up. A process that sleeps and is woken by the
other pays for the wake-up (25-40 µs on a 2-vCPU VM, most of the round trip): CPython sleeps in
\`read\`; multiproc's \`recvSync()\` spins for up to 50 µs first, and an awaiting \`recv()\` keeps
the CPUs awake meanwhile (\`keepWarm\`), so neither pays it when the peer answers quickly.
`,
  baseline: 'CPython Pipe',
  metrics: [
    { id: 'roundTrip', label: 'send + recv round trip, array', unit: 'µs', better: 'lower' },
    {
      id: 'roundTripObject',
      label: 'send + recv round trip, plain object',
      unit: 'µs',
      better: 'lower',
    },
  ],
  implementations: [
    { name: 'multiproc (async recv)', runner: 'multiproc.mjs', args: ['async'] },
    { name: 'multiproc (recvSync)', runner: 'multiproc.mjs', args: ['sync'] },
    { name: 'CPython Pipe', runner: 'python.py' },
  ],
  params: { warmup: 2000, samples: 20000 },
  quickParams: { warmup: 100, samples: 500 },
  goals: [
    { implementation: 'multiproc (async recv)', metric: 'roundTrip', maxRatio: 0.5 },
    { implementation: 'multiproc (recvSync)', metric: 'roundTrip', maxRatio: 0.5 },
    { implementation: 'multiproc (async recv)', metric: 'roundTripObject', maxRatio: 0.5 },
    { implementation: 'multiproc (recvSync)', metric: 'roundTripObject', maxRatio: 0.5 },
  ],
};
