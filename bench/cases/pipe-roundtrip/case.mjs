/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Pipe round trip of a small object',
  description: `
One round trip: the parent sends \`[1, 'hello', null]\` over a duplex \`Pipe()\` and receives it
back from a running child that echoes every message. multiproc runs it twice: with both ends
awaiting \`recv()\` (event loops on both sides), and with both ends blocking in \`recvSync()\`, as
CPython's \`recv()\` does. Each runner times every round trip after the warm-up. Both runtimes pay
two cross-process wake-ups per round trip (a \`write\` that wakes a sleeping reader); on a 2-vCPU
VM those dominate, so the goal (the issue's: twice CPython's rate) measures how little each
side adds to them.
`,
  baseline: 'CPython Pipe',
  metrics: [{ id: 'roundTrip', label: 'send + recv round trip', unit: 'µs', better: 'lower' }],
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
  ],
};
