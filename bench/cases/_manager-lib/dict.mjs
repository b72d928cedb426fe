// The dict set+get case, shared by `manager-dict` (1 child) and `manager-dict-4` (4 children):
// each child warms up, meets the others at a manager Barrier, then does `pairs` awaited
// set+get pairs on its own key of one shared dict, and reports when it started and ended on
// the machine's monotonic clock. Throughput = all pairs / (last end - first start).
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { dictPairs } from './targets.mjs';

export async function main() {
  const { Manager, Process } = await importOrUnavailable('multiproc');
  const { children, warmup, pairs } = params({ children: 1, warmup: 3000, pairs: 5000 });
  const mode = process.argv[2] ?? 'awaited';
  const manager = await Manager();
  try {
    await run(manager, Process, children, warmup, pairs, mode);
  } finally {
    await manager.shutdown();
  }
}

async function run(manager, Process, children, warmup, pairs, mode) {
  const d = await manager.dict();
  const times = await manager.dict();
  const barrier = await manager.Barrier(children);
  const ps = Array.from(
    { length: children },
    (_, i) => new Process({ target: dictPairs, args: [d, times, barrier, i, warmup, pairs, mode] }),
  );
  ps.forEach((p) => p.start());
  await Promise.all(ps.map((p) => p.join()));
  if (ps.some((p) => p.exitcode !== 0)) throw new Error('a child failed');
  const spans = await Promise.all(ps.map((_, i) => times.get(i)));
  const start = Math.min(...spans.map((s) => s[0]));
  const end = Math.max(...spans.map((s) => s[1]));
  const perSecond = (children * pairs) / ((end - start) / 1000);
  const cold = Math.min(...spans.map((s) => s[2]));
  const warm = Math.max(...spans.map((s) => s[3]));
  emit({
    pairsPerSecond: perSecond,
    usPerOp: (1e6 / perSecond / 2) * children,
    coldPairsPerSecond: (children * warmup) / ((warm - cold) / 1000),
  });
}
