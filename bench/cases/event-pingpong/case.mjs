/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Event ping-pong between two processes',
  description: `
Two processes pass the turn back and forth through two events: the parent sets \`ping\` and waits
for \`pong\`, then clears it; the child waits for \`ping\`, clears it and sets \`pong\`. One round
trip is two cross-process wake-ups. multiproc runs both sides with \`waitSync()\` (blocking the
thread, the native futex directly) or with \`await wait()\` (the event loop stays free; the wait
is served by the addon's waiter thread). CPython uses \`multiprocessing.Event\` (fork). After
\`warmup\` round trips, \`samples\` are timed; the figure is round trips per second.
`,
  baseline: 'CPython Event',
  metrics: [{ id: 'rate', label: 'round trips', unit: 'ops/s', better: 'higher' }],
  implementations: [
    { name: 'multiproc Event waitSync()', runner: 'multiproc.mjs', args: ['sync'] },
    { name: 'multiproc Event await wait()', runner: 'multiproc.mjs', args: ['async'] },
    { name: 'CPython Event', runner: 'python.py' },
  ],
  params: { warmup: 2000, samples: 20000 },
  quickParams: { warmup: 200, samples: 2000 },
  goals: [{ implementation: 'multiproc Event waitSync()', metric: 'rate', minRatio: 2 }],
};
