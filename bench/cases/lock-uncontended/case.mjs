/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Lock, uncontended acquire + release in one process',
  description: `
One process acquires and releases one lock in a tight loop: \`lock.acquireSync(); lock.release()\`
(or \`await lock.acquire(); lock.release()\`) for multiproc's \`Lock\`, \`acquire(); release()\` through
bound methods (CPython's fastest idiom) and \`with lock: pass\` for CPython's
\`multiprocessing.Lock\`. Each runner warms up (so V8 has optimized the loop), then times
\`samples\` acquire+release pairs; the figure is pairs per second.
`,
  baseline: 'CPython Lock acquire()/release()',
  metrics: [{ id: 'rate', label: 'acquire + release', unit: 'ops/s', better: 'higher' }],
  implementations: [
    { name: 'multiproc Lock acquireSync()', runner: 'multiproc.mjs', args: ['sync'] },
    { name: 'multiproc Lock await acquire()', runner: 'multiproc.mjs', args: ['async'] },
    { name: 'CPython Lock acquire()/release()', runner: 'python.py', args: ['bound'] },
    { name: 'CPython with lock:', runner: 'python.py', args: ['with'] },
  ],
  params: { warmup: 2000000, samples: 10000000 },
  quickParams: { warmup: 200000, samples: 500000 },
  goals: [{ implementation: 'multiproc Lock acquireSync()', metric: 'rate', minRatio: 2 }],
};
