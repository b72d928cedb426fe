// Round trips of a small object over multiproc's Pipe between the parent and one child that
// echoes it: 'async' (both ends `await recv()`) or 'sync' (both ends `recvSync()`).
import { emit, importOrUnavailable, params, sample } from '../../lib/runner.mjs';
import { echo, echoSync } from './targets.mjs';

const mode = process.argv[2] ?? 'async';
const { Pipe, Process } = await importOrUnavailable('multiproc');
const { warmup, samples } = params({ warmup: 2000, samples: 20000 });
const obj = [1, 'hello', null];

const [conn, childConn] = Pipe();
const child = new Process({ target: mode === 'sync' ? echoSync : echo, args: [childConn] });
child.start();
childConn.close();
const latencies = await sample({ warmup, samples }, async () => {
  const t0 = process.hrtime.bigint();
  conn.send(obj);
  if (mode === 'sync') conn.recvSync();
  else await conn.recv();
  return Number(process.hrtime.bigint() - t0) / 1e3;
});
conn.send(null);
await child.join();
conn.close();
emit({ roundTrip: latencies });
