/** @type {import('../../src/types.js').CaseDescriptor} */
export default {
  title: 'Queue throughput: ints 1→1 and 4→4, 1 KiB and 1 MiB items, idle consumer',
  description: `
Producers are child processes that put as fast as they can once every process has said it is
ready (so no figure includes starting a child), and after a warm-up in the same processes
(50,000 ints, 5,000 KiB items, 30 MiB items), which the timed items follow. The warm-up is for V8:
the first tens of thousands of puts and gets of a fresh process run while V8 compiles them, at a
fraction of the rate that follows. CPython runs the same warm-up, with nothing to compile.
\`coldInts1\`: the rate of the \`ints1\` warm-up itself (fresh processes, cold code).
\`ints1\`: one producer, this process consumes 200,000 small ints; \`ints4\`: 4 producer
processes to 4 consumer processes, 2,000,000 small ints (timed until every consumer has counted
its items). When the eight start together after the warm-up, multiproc's combined rate runs at
0.2-2 M items/s for the first 100-150 ms on 2 vCPUs and then at 3-6 M: 200,000 items timed little
but that start. The start stays in the timed run. \`kib1\` /
\`mib1\`: one producer of 1 KiB / 1 MiB buffers (\`bytes\` in CPython) into a queue of maxsize
64, this process consumes. multiproc's consumers use async \`get\` or \`getSync\` (two
implementations); its producers use \`putSync\`. \`idle\`: CPU milliseconds per second this
process spends while a \`get\` waits 3 s on an empty queue (after a first 100 ms wait, which
starts each side's machinery); \`idleFloor\`: the same for the same process sleeping on a timer
(\`setTimeout\`, \`time.sleep\`) with no queue involved, 1.5 s just before and 1.5 s just after
the idle consumer (a young process's own background work fades with time): the runtime's own
cost of being idle, which no queue can go below.
`,
  baseline: 'CPython Queue',
  metrics: [
    { id: 'ints1', label: 'ints, 1 → 1', unit: 'items/s', better: 'higher' },
    { id: 'ints4', label: 'ints, 4 → 4', unit: 'items/s', better: 'higher' },
    { id: 'kib1', label: '1 KiB items', unit: 'MB/s', better: 'higher' },
    { id: 'mib1', label: '1 MiB items', unit: 'MB/s', better: 'higher' },
    { id: 'coldInts1', label: 'ints, 1 → 1, warm-up', unit: 'items/s', better: 'higher' },
    { id: 'idle', label: 'idle consumer CPU', unit: 'ms', better: 'lower' },
    { id: 'idleFloor', label: 'idle process CPU, no queue', unit: 'ms', better: 'lower' },
  ],
  implementations: [
    { name: 'multiproc get', runner: 'multiproc.mjs', args: ['get'] },
    { name: 'multiproc getSync', runner: 'multiproc.mjs', args: ['getSync'] },
    { name: 'CPython Queue', runner: 'python.py' },
  ],
  params: {
    ints: 200000,
    ints4Items: 2000000,
    kibItems: 50000,
    mibItems: 300,
    warmupInts: 50000,
    warmupKib: 5000,
    warmupMib: 30,
  },
  quickParams: {
    ints: 20000,
    ints4Items: 40000,
    kibItems: 5000,
    mibItems: 30,
    warmupInts: 2000,
    warmupKib: 500,
    warmupMib: 3,
  },
  timeoutMs: 180000,
  goals: [
    { implementation: 'multiproc get', metric: 'ints1', minRatio: 10 },
    { implementation: 'multiproc getSync', metric: 'ints1', minRatio: 10 },
    { implementation: 'multiproc get', metric: 'ints4', minRatio: 20 },
    { implementation: 'multiproc get', metric: 'kib1', minRatio: 2 },
    { implementation: 'multiproc get', metric: 'mib1', minRatio: 2 },
  ],
};
