// multiproc: create a dict proxy and dispose of it, `count` times; see case.mjs.
import { emit, importOrUnavailable, nowMs, params } from '../../lib/runner.mjs';

const { Manager } = await importOrUnavailable('multiproc');
const { warmup, count } = params({ warmup: 300, count: 3000 });
const manager = await Manager();
try {
  for (let i = 0; i < warmup; i++) (await manager.dict()).dispose();
  const t0 = nowMs();
  for (let i = 0; i < count; i++) (await manager.dict()).dispose();
  const elapsed = nowMs() - t0;
  const { referents } = await manager.stats();
  if (referents !== 0) throw new Error(`${referents} referents left`);
  emit({ perSecond: count / (elapsed / 1000) });
} finally {
  await manager.shutdown();
}
