/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Manager proxy creation + release',
  description: `
The parent creates a dict in the manager and releases it at once, \`count\` times
(multiproc: \`(await manager.dict()).dispose()\`; CPython: \`d = manager.dict(); del d\`, whose
release is a decref message of its own). Throughput is creations per second, counted after a
warm-up; the server holds no referent at the end in either runtime.
`,
  baseline: 'CPython Manager',
  metrics: [
    { id: 'perSecond', label: 'create + release per second', unit: 'ops/s', better: 'higher' },
  ],
  implementations: [
    { name: 'multiproc Manager', runner: 'multiproc.mjs' },
    { name: 'CPython Manager', runner: 'python.py' },
  ],
  params: { warmup: 300, count: 3000 },
  quickParams: { warmup: 20, count: 200 },
};
