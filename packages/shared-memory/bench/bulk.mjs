// 64 MiB from a parent to a running child: through SharedMemory (parent copies in, child copies
// out), through a pipe (child's stdin), and an in-process Buffer.copy (memcpy) baseline.
// Prints one JSON line per transport with the median GB/s over the rounds.
import { fork } from 'node:child_process';
import { SharedMemory } from '@multiproc/shared-memory';

const kBytes = 64 * 1024 * 1024;
const rounds = Number(process.argv[2] ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gbps = (ms) => kBytes / 1e9 / (ms / 1000);

if (process.argv[2] === 'shm-child') {
  const shm = new SharedMemory({ name: process.argv[3] });
  const src = new Uint8Array(shm.buf);
  const dst = Buffer.alloc(kBytes);
  process.on('message', () => {
    dst.set(src);
    process.send(dst[kBytes - 1]);
  });
} else if (process.argv[2] === 'pipe-child') {
  const dst = Buffer.alloc(kBytes);
  let got = 0;
  process.stdin.on('data', (chunk) => {
    chunk.copy(dst, got);
    got += chunk.length;
    if (got === kBytes) {
      got = 0;
      process.send(dst[kBytes - 1]);
    }
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const src = Buffer.alloc(kBytes, 7);
  const results = [];

  const memcpy = [];
  const dst = Buffer.alloc(kBytes);
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    src.copy(dst);
    memcpy.push(performance.now() - t0);
  }
  results.push({ impl: 'memcpy (Buffer.copy)', ms: median(memcpy) });

  const shm = new SharedMemory({ create: true, size: kBytes });
  const view = new Uint8Array(shm.buf);
  view.fill(1); // fault the pages in once, as a reused segment would be
  const child = fork(new URL(import.meta.url), ['shm-child', shm.name]);
  await new Promise((r) => setTimeout(r, 300));
  const viaShm = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    view.set(src);
    child.send(0);
    await new Promise((r) => child.once('message', r));
    viaShm.push(performance.now() - t0);
  }
  child.disconnect();
  shm.close();
  shm.unlink();
  results.push({ impl: 'multiproc SharedMemory', ms: median(viaShm) });

  const pipeChild = fork(new URL(import.meta.url), ['pipe-child'], {
    stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
  });
  const viaPipe = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    pipeChild.stdin.write(src);
    await new Promise((r) => pipeChild.once('message', r));
    viaPipe.push(performance.now() - t0);
  }
  pipeChild.disconnect();
  pipeChild.stdin.end();
  results.push({ impl: 'pipe (child stdin)', ms: median(viaPipe) });

  for (const r of results) {
    console.log(
      JSON.stringify({
        case: 'bulk-64MiB-parent-to-child',
        impl: r.impl,
        ms: r.ms,
        gbPerSec: gbps(r.ms),
      }),
    );
  }
}
