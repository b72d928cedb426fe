// multiproc: Lock acquire + release in a loop, sync or async form (argv[2]).
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';

const { Lock } = await importOrUnavailable('multiproc');
const mode = process.argv[2] ?? 'sync';
const { warmup, samples, batches } = params({ warmup: 2_000_000, samples: 4_000_000, batches: 5 });
const lock = new Lock();
// The async form costs a promise per pair: time a tenth as many.
const count = mode === 'async' ? Math.ceil(samples / 10) : samples;

function loopSync(n) {
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    lock.release();
  }
}
async function loopAsync(n) {
  for (let i = 0; i < n; i++) {
    await lock.acquire();
    lock.release();
  }
}

const loop = mode === 'async' ? loopAsync : loopSync;
await loop(mode === 'async' ? Math.ceil(warmup / 10) : warmup);
const rates = [];
for (let b = 0; b < batches; b++) {
  const t0 = process.hrtime.bigint();
  await loop(count);
  rates.push(count / (Number(process.hrtime.bigint() - t0) / 1e9));
}
lock.close();
emit({ rate: Math.max(...rates) }, { mode, count, rates });
