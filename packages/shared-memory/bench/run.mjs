// Runs the shared-memory benchmarks side by side, `runs` times each (fresh processes), and prints
// the median of each case as JSON lines plus a small table of ratios.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 5);
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = (cmd, args) =>
  execFileSync(cmd, args, { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

const samples = new Map();
for (let i = 0; i < runs; i++) {
  for (const r of [
    ...lines(process.execPath, [here('lifecycle.mjs')]),
    ...lines('python3', [here('lifecycle.py')]),
    ...lines(process.execPath, [here('bulk.mjs')]),
    ...lines('python3', [here('bulk.py')]),
  ]) {
    const key = `${r.case}|${r.impl}`;
    samples.set(key, [...(samples.get(key) ?? []), r.opsPerSec ?? r.gbPerSec]);
  }
}
const result = {};
for (const [key, xs] of samples) {
  const [c, impl] = key.split('|');
  result[key] = median(xs);
  console.log(
    JSON.stringify({
      case: c,
      impl,
      median: median(xs),
      unit: c.startsWith('bulk') ? 'GB/s' : 'ops/s',
      runs: xs.length,
    }),
  );
}
const get = (c, impl) => result[`${c}|${impl}`];
const life = 'shm-create-attach-close-unlink';
const bulk = 'bulk-64MiB-parent-to-child';
console.log(
  `lifecycle: multiproc/cpython = ${(get(life, 'multiproc') / get(life, 'cpython')).toFixed(2)}x`,
);
console.log(
  `bulk: multiproc/cpython = ${(get(bulk, 'multiproc SharedMemory') / get(bulk, 'cpython SharedMemory')).toFixed(2)}x, ` +
    `multiproc/pipe = ${(get(bulk, 'multiproc SharedMemory') / get(bulk, 'pipe (child stdin)')).toFixed(2)}x, ` +
    `memcpy/multiproc = ${(get(bulk, 'memcpy (Buffer.copy)') / get(bulk, 'multiproc SharedMemory')).toFixed(2)}x`,
);
