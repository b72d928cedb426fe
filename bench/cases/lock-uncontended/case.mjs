/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Lock, uncontended acquire + release in one process',
  description: `
One process acquires and releases one lock in a tight loop: \`lock.acquireSync(); lock.release()\`
(or \`await lock.acquire(); lock.release()\`) for multiproc's \`Lock\`, \`acquire(); release()\` through
bound methods (CPython's fastest idiom) and \`with lock: pass\` for CPython's
\`multiprocessing.Lock\`. Each runner warms up (so V8 has optimized the loop), then times
\`batches\` batches of \`samples\` acquire+release pairs (a tenth as many for the async form and for
CPython) and reports the fastest batch in pairs per second — as Python's \`timeit\` reports the best
of its repeats, so that a burst of other work on the machine does not decide the figure.
`,
  baseline: 'CPython Lock acquire()/release()',
  metrics: [{ id: 'rate', label: 'acquire + release', unit: 'ops/s', better: 'higher' }],
  implementations: [
    { name: 'multiproc Lock acquireSync()', runner: 'multiproc.mjs', args: ['sync'] },
    { name: 'multiproc Lock await acquire()', runner: 'multiproc.mjs', args: ['async'] },
    { name: 'CPython Lock acquire()/release()', runner: 'python.py', args: ['bound'] },
    { name: 'CPython with lock:', runner: 'python.py', args: ['with'] },
  ],
  params: { warmup: 2000000, samples: 4000000, batches: 5 },
  quickParams: { warmup: 200000, samples: 500000, batches: 2 },
  goals: [{ implementation: 'multiproc Lock acquireSync()', metric: 'rate', minRatio: 2 }],
};
