// The floor: a raw round trip between two Node processes over a Unix socket (a 24-byte message
// echoed back), with no pool, no encoding and no bookkeeping. What every process pool pays at
// least; the distance to it is a pool's own cost.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, params, sample } from '../../lib/runner.mjs';
import { startSpinners } from '../_pool-lib/stats.mjs';

if (process.argv[2] === 'echo') {
  const socket = connect(process.argv[3]);
  socket.on('data', (chunk) => socket.write(chunk));
} else {
  const counts = params({ warmup: 5000, samples: 10000, spinners: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'bench-raw-'));
  const path = join(dir, 's');
  const server = createServer();
  await new Promise((resolve) => server.listen(path, resolve));
  const child = fork(fileURLToPath(import.meta.url), ['echo', path]);
  const socket = await new Promise((resolve) => server.once('connection', resolve));
  const stopSpinners = await startSpinners(counts.spinners);
  const message = Buffer.alloc(24, 7);
  const latencies = await sample(counts, async () => {
    const t0 = process.hrtime.bigint();
    await new Promise((resolve) => {
      socket.once('data', resolve);
      socket.write(message);
    });
    return Number(process.hrtime.bigint() - t0) / 1e3;
  });
  stopSpinners();
  child.kill();
  socket.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
  emit({ latency: latencies }, { spinners: counts.spinners });
}
