/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Pool apply round trip of a trivial task, sequential',
  description: `
Per sample: the time of one \`apply(square, [i])\` (or the pool's equivalent: piscina and tinypool
\`run\`, workerpool \`exec\`, a jest-worker method call), awaited before the next starts, from the
call until the result is in the parent. Every pool has 2 workers, all started and warm before
timing. The first samples are warm-ups: they let each runtime's JIT compile its send and receive
paths (multiproc's round trip shortens by half over its first few thousand calls). multiproc sends
\`square\` by reference and its argument as msgpack over a socket pair; CPython runs
\`multiprocessing.Pool.apply\` (fork). The floor is a raw ping-pong of 24 bytes between two Node
processes over a Unix socket: what a pool pays at least when it lets its CPUs idle while the
worker runs. multiproc does not: when it dispatches, it keeps the CPUs awake for the next 50 µs
(\`keepWarm\`, a nice-19 spinning thread), so the result wakes its event loop without an idle
vCPU's wake-up cost.

This VM wakes an idle vCPU slowly, and by phases: the same raw round trip measures ~20 µs in
one process and ~100 µs in the next (NATIVE-NOTES.md). \`--param spinners=2\` runs two busy loops at
the lowest priority during the measurement, which keeps the CPUs from idling deeply: the figures
closest to bare metal.
`,
  baseline: 'CPython multiprocessing.Pool',
  metrics: [{ id: 'latency', label: 'apply round trip', unit: 'µs', better: 'lower' }],
  implementations: [
    { name: 'multiproc Pool', runner: 'node.mjs', args: ['multiproc'] },
    { name: 'multiproc ThreadPool', runner: 'node.mjs', args: ['multiproc-thread'] },
    { name: 'CPython multiprocessing.Pool', runner: 'python.py' },
    { name: 'piscina (threads)', runner: 'node.mjs', args: ['piscina'] },
    { name: 'tinypool (child_process)', runner: 'node.mjs', args: ['tinypool-process'] },
    { name: 'tinypool (threads)', runner: 'node.mjs', args: ['tinypool-thread'] },
    { name: 'workerpool (process)', runner: 'node.mjs', args: ['workerpool-process'] },
    { name: 'workerpool (thread)', runner: 'node.mjs', args: ['workerpool-thread'] },
    { name: 'jest-worker (child_process)', runner: 'node.mjs', args: ['jest-worker'] },
    { name: 'floor: raw Unix socket ping-pong (no pool)', runner: 'raw.mjs' },
  ],
  params: { workers: 2, warmup: 5000, samples: 10000, spinners: 0 },
  quickParams: { warmup: 500, samples: 1000 },
  timeoutMs: 180_000,
  goals: [{ implementation: 'multiproc Pool', metric: 'latency', maxRatio: 0.5 }],
};
