// Round trips of a small message over multiproc's Pipe between the parent and one child that
// echoes it: 'async' (both ends `await recv()`) or 'sync' (both ends `recvSync()`). An array and
// a plain object take turns, one round trip each.
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { echo, echoSync } from './targets.mjs';

const mode = process.argv[2] ?? 'async';
const { Pipe, Process } = await importOrUnavailable('multiproc');
const { warmup, samples } = params({ warmup: 2000, samples: 20000 });
const array = [1, 'hello', null];

const [conn, childConn] = Pipe();
const child = new Process({ target: mode === 'sync' ? echoSync : echo, args: [childConn] });
child.start();
childConn.close();

async function roundTrip(message) {
  const t0 = process.hrtime.bigint();
  conn.send(message);
  if (mode === 'sync') conn.recvSync();
  else await conn.recv();
  return Number(process.hrtime.bigint() - t0) / 1e3;
}

const arrays = [];
const objects = [];
for (let i = 0; i < warmup + samples; i++) {
  const a = await roundTrip(array);
  const o = await roundTrip({ i, op: 'ping' });
  if (i >= warmup) {
    arrays.push(a);
    objects.push(o);
  }
}
conn.send(null);
await child.join();
conn.close();
emit({ roundTrip: arrays, roundTripObject: objects });
