/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Process start → target running → join',
  description: `
Per sample: the time from making the process object and calling \`start()\` until the target is
running, and until \`join()\` has resolved (the child has exited and the parent knows it). The
target reads CLOCK_MONOTONIC as its first statement (Node \`process.hrtime.bigint()\`, Python
\`time.monotonic_ns()\`, the same system-wide clock) and writes the reading to a scratch file that
the parent reads after \`join()\`. Every implementation's child does exactly this, so the signal
costs the same everywhere: one clock read before the mark, one small file write after it.
multiproc starts an exported function of a module (\`new Process({ target: markRunning, args })\`,
imported from the facade \`multiproc\`, an ES module like most users' code). The baseline
\`child_process.fork\`s a CommonJS script doing the same two things — the cheapest raw fork there
is — and awaits \`'exit'\`; the \`.mjs child\` variant forks an ES module that imports and calls
the very function multiproc's child runs. CPython runs \`multiprocessing.get_context(method).Process\`.
Each runner does the warm-ups, then the samples, in one fresh process per round. Fifteen short
rounds rather than five long ones: on the project's VM a process takes 70-80 ms to start in one
phase and 100-130 ms in the next, phases last seconds, and a runner that fell into a slow one
moved its whole median (the same multiproc build measured 0.87× and 1.20× of the raw fork in
two five-round runs the same hour); more rounds sample every implementation across more phases.
`,
  baseline: 'raw child_process.fork',
  metrics: [
    { id: 'startToRunning', label: 'start() → target running', unit: 'ms', better: 'lower' },
    { id: 'startToJoin', label: 'start() → join() resolved', unit: 'ms', better: 'lower' },
  ],
  implementations: [
    { name: 'multiproc', runner: 'multiproc.mjs' },
    { name: 'raw child_process.fork', runner: 'node-fork.mjs', args: ['cjs'] },
    { name: 'raw child_process.fork (.mjs child)', runner: 'node-fork.mjs', args: ['esm'] },
    { name: 'CPython spawn', runner: 'python.py', args: ['spawn'] },
    { name: 'CPython forkserver', runner: 'python.py', args: ['forkserver'] },
    { name: 'CPython fork', runner: 'python.py', args: ['fork'] },
  ],
  params: { warmup: 2, samples: 10 },
  quickParams: { warmup: 1, samples: 5 },
  rounds: 15,
  goals: [{ implementation: 'multiproc', metric: 'startToJoin', maxRatio: 1.15 }],
};
