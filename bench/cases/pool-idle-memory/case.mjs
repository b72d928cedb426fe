/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Idle memory per worker',
  description: `
A pool of 2 workers runs a few trivial tasks on each worker (so every worker has started and
loaded its task module), then idles for a second; then each worker's memory is read from
\`/proc\`: VmRSS (\`/proc/<pid>/status\`) and Pss (\`/proc/<pid>/smaps_rollup\`, which splits
shared pages between the processes that share them) of every child process of the runner, averaged
per worker. Thread pools have no process of their own per worker: for them both figures are the
growth of the whole process's RSS from before the pool was created (the pool's library already
imported), divided by the workers.

Two floors beside the pools: bare \`child_process.fork\` children of a script that loads nothing
(\`--empty\`), and of one that runs the same trivial tasks over Node's IPC channel first. V8 compiling
those tasks' hot loop alone touches ~4 MiB more of the node binary (shared between processes: RSS
counts it, PSS splits it), so the second is what a worker that has run anything is compared with.
`,
  baseline: 'CPython multiprocessing.Pool',
  metrics: [
    { id: 'rss', label: 'RSS per idle worker', unit: 'MiB', better: 'lower' },
    { id: 'pss', label: 'PSS per idle worker', unit: 'MiB', better: 'lower' },
  ],
  implementations: [
    { name: 'multiproc Pool', runner: 'node.mjs', args: ['multiproc'] },
    { name: 'multiproc ThreadPool', runner: 'node.mjs', args: ['multiproc-thread'] },
    { name: 'CPython multiprocessing.Pool', runner: 'python.py' },
    { name: 'child_process.fork, empty script', runner: 'raw.mjs', args: ['--empty'] },
    { name: 'child_process.fork, ran the tasks', runner: 'raw.mjs' },
    { name: 'piscina (threads)', runner: 'node.mjs', args: ['piscina'] },
    { name: 'tinypool (child_process)', runner: 'node.mjs', args: ['tinypool-process'] },
    { name: 'tinypool (threads)', runner: 'node.mjs', args: ['tinypool-thread'] },
    { name: 'workerpool (process)', runner: 'node.mjs', args: ['workerpool-process'] },
    { name: 'workerpool (thread)', runner: 'node.mjs', args: ['workerpool-thread'] },
    { name: 'jest-worker (child_process)', runner: 'node.mjs', args: ['jest-worker'] },
  ],
  params: { workers: 2, settleMs: 1000 },
  quickParams: { settleMs: 200 },
};
