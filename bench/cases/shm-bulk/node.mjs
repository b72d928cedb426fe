// 64 MiB parent → child through multiproc's SharedMemory ('shm'), a pipe into the child's stdin
// ('pipe'), or one in-process Buffer.copy ('memcpy'). Reports the median MB/s.
import { fork } from 'node:child_process';
import { emit, importOrUnavailable, nowMs, params } from '../../lib/runner.mjs';

const kBytes = 64 * 1024 * 1024;
const [mode, second] = process.argv.slice(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (ms) => kBytes / 1e6 / (ms / 1000);

if (mode === 'shm-child') {
  const { SharedMemory } = await import('multiproc');
  const [, , , name, take] = process.argv;
  const shm = new SharedMemory({ name });
  const src = Buffer.from(shm.buf);
  const dst = Buffer.alloc(kBytes);
  process.on('message', () => {
    if (take === 'scan') {
      // Reads all 64 MiB where they lie: the byte 0 is never there, so every byte is looked at.
      process.send(src.indexOf(0));
    } else {
      shm.read(dst);
      process.send(dst[kBytes - 1]);
    }
  });
  process.on('disconnect', () => process.exit(0));
} else if (mode === 'pipe-child') {
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
  const { transfers } = params({ transfers: 7 });
  const src = Buffer.alloc(kBytes, 7);
  const times = [];
  /** Runs `send` transfers + 1 warm-up, each ending when the child answers. */
  const timeTransfers = async (child, send) => {
    for (let i = 0; i <= transfers; i++) {
      const t0 = nowMs();
      send();
      await new Promise((r) => child.once('message', r));
      if (i > 0) times.push(nowMs() - t0);
    }
  };
  if (mode === 'memcpy') {
    const dst = Buffer.alloc(kBytes);
    for (let i = 0; i <= transfers; i++) {
      const t0 = nowMs();
      src.copy(dst);
      if (i > 0) times.push(nowMs() - t0);
    }
  } else if (mode === 'shm') {
    const { SharedMemory } = await importOrUnavailable('multiproc');
    const shm = new SharedMemory({ create: true, size: kBytes });
    const child = fork(new URL(import.meta.url), ['shm-child', shm.name, second ?? 'copy']);
    await timeTransfers(child, () => {
      shm.write(src);
      child.send(0);
    });
    child.disconnect();
    shm.close();
    shm.unlink();
  } else {
    const child = fork(new URL(import.meta.url), ['pipe-child'], {
      stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
    });
    await timeTransfers(child, () => child.stdin.write(src));
    child.disconnect();
    child.stdin.end();
  }
  emit({ throughput: mbps(median(times)) });
}
