// Raw `child_process.fork` of a script that does the target's work, awaited until 'exit'.
// Usage: node-fork.mjs cjs|esm — which child script (node-fork-child.cjs, the baseline, or
// node-fork-child-esm.mjs).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, params, sample } from '../../lib/runner.mjs';
import { readMark, withMarkFile } from './mark.mjs';

const format = process.argv[2] ?? 'cjs';
const childFile = format === 'esm' ? './node-fork-child-esm.mjs' : './node-fork-child.cjs';
const childScript = fileURLToPath(new URL(childFile, import.meta.url));
const counts = params({ warmup: 3, samples: 30 });

const marks = await withMarkFile((markFile) =>
  sample(counts, async () => {
    const t0 = process.hrtime.bigint();
    const child = fork(childScript, [markFile]);
    /** @type {number | null} */
    const code = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    const t1 = process.hrtime.bigint();
    if (code !== 0) throw new Error(`child exited with ${code}`);
    return readMark(markFile, t0, t1);
  }),
);
emit({ startToRunning: marks.map((m) => m.running), startToJoin: marks.map((m) => m.joined) });
