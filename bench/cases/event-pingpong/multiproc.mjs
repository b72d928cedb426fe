// multiproc: Event ping-pong with a child; both sides sync (waitSync) or async (await wait()).
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { pong } from './targets.mjs';

const mp = await importOrUnavailable('multiproc');
const mode = process.argv[2] ?? 'sync';
const { warmup, samples } = params({ warmup: 2000, samples: 20000 });
const ping = new mp.Event();
const pongEvent = new mp.Event();
const child = new mp.Process({ target: pong, args: [ping, pongEvent, warmup + samples, mode] });
child.start();

async function rounds(n) {
  for (let i = 0; i < n; i++) {
    ping.set();
    if (mode === 'async') await pongEvent.wait();
    else pongEvent.waitSync();
    pongEvent.clear();
  }
}

await rounds(warmup);
const t0 = process.hrtime.bigint();
await rounds(samples);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await child.join();
if (child.exitcode !== 0) throw new Error(`the child exited with ${child.exitcode}`);
emit({ rate: samples / seconds }, { mode, samples });
