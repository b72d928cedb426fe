// multiproc: `processes` children hammer one Lock for `ms` ms.
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { hammer } from './targets.mjs';

const mp = await importOrUnavailable('multiproc');
const { processes, ms } = params({ processes: 4, ms: 1500 });
const lock = new mp.Lock();
const counter = new mp.RawValue('i', 0);
const ready = new mp.Semaphore(0);
const start = new mp.Event();
const stats = new mp.RawArray('d', 2 * processes);
const children = Array.from(
  { length: processes },
  (_, i) => new mp.Process({ target: hammer, args: [lock, counter, ready, start, stats, i, ms] }),
);
for (const child of children) child.start();
for (let i = 0; i < children.length; i++) await ready.acquire();
start.set();
for (const child of children) await child.join();
if (children.some((c) => c.exitcode !== 0)) throw new Error('a child failed');
const s = stats.toArray();
const counts = children.map((_, i) => s[2 * i]);
const total = counts.reduce((a, b) => a + b, 0);
if (counter.value !== total) throw new Error(`counter ${counter.value} != ${total} acquisitions`);
emit(
  { longestWait: Math.max(...children.map((_, i) => s[2 * i + 1])), rate: total / (ms / 1000) },
  { counts, longest: children.map((_, i) => s[2 * i + 1]) },
);
