// multiproc: SharedMemory create + attach + close + unlink, one 4 KiB segment per operation.
import { emit, importOrUnavailable, nowMs, params } from '../../lib/runner.mjs';

const { SharedMemory } = await importOrUnavailable('multiproc');
const { warmupMs, ops } = params({ warmupMs: 1000, ops: 20000 });

function once() {
  const shm = new SharedMemory({ create: true, size: 4096 });
  const other = new SharedMemory({ name: shm.name });
  other.close();
  shm.close();
  shm.unlink();
}

for (const until = nowMs() + warmupMs; nowMs() < until;) once();
const t0 = nowMs();
for (let i = 0; i < ops; i++) once();
emit({ opsPerSec: ops / ((nowMs() - t0) / 1000) });
