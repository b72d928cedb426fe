/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Two processes × 200,000 increments of a shared value under one Lock',
  description: `
Two child processes each add 1 to one shared integer 200,000 times, taking one lock around each
increment: \`RawValue('i')\` + \`Lock\` (\`lock.acquireSync(); v.value += 1; lock.release()\`), and the
\`Value('i')\` + \`getLock()\` idiom (Python's \`with v.get_lock(): v.value += 1\`, whose \`.value\`
takes the RLock again inside). The children start, report ready through a semaphore, wait for a
start \`Event\`, then loop; each records CLOCK_MONOTONIC before and after its loop. The figure is
from the first start to the last end (process start-up is not timed). Every run checks the total
is exactly 400,000. CPython runs the same program with \`multiprocessing\` (fork).
`,
  baseline: 'CPython RawValue + Lock',
  metrics: [{ id: 'seconds', label: '2 × 200k locked increments', unit: 's', better: 'lower' }],
  implementations: [
    { name: 'multiproc RawValue + Lock', runner: 'multiproc.mjs', args: ['raw'] },
    { name: 'multiproc Value + getLock()', runner: 'multiproc.mjs', args: ['value'] },
    { name: 'CPython RawValue + Lock', runner: 'python.py', args: ['raw'] },
    { name: 'CPython Value + get_lock()', runner: 'python.py', args: ['value'] },
  ],
  params: { increments: 200000 },
  quickParams: { increments: 20000 },
  goals: [{ implementation: 'multiproc RawValue + Lock', metric: 'seconds', maxRatio: 0.5 }],
};
