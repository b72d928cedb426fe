// sendBytes bandwidth over multiproc's Pipe: a child sends 1 MiB messages, then 64 MiB ones;
// the parent receives each with recvBytes ('recvBytes') or into one reused buffer
// ('recvBytesInto'). Each figure: bytes received / time from the parent's go to the last byte.
import { emit, importOrUnavailable, nowMs, params } from '../../lib/runner.mjs';
import { sendBytes } from '../pipe-roundtrip/targets.mjs';

const receive = process.argv[2] ?? 'recvBytes';
const { Pipe, Process } = await importOrUnavailable('multiproc');
const { count1, count64 } = params({ count1: 512, count64: 8 });
const rounds = [
  [1024 * 1024, count1],
  [64 * 1024 * 1024, count64],
];

const [conn, childConn] = Pipe();
const child = new Process({ target: sendBytes, args: [childConn, rounds] });
child.start();
childConn.close();
const figures = [];
for (const [size, count] of rounds) {
  const into = receive === 'recvBytesInto' ? Buffer.allocUnsafe(size) : undefined;
  await conn.recv(); // the child is running and its message is ready: the clock starts now
  conn.send('go');
  const t0 = nowMs();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    bytes += into ? await conn.recvBytesInto(into) : (await conn.recvBytes()).length;
  }
  figures.push(bytes / 1e6 / ((nowMs() - t0) / 1000));
}
await child.join();
conn.close();
emit({ mib1: figures[0], mib64: figures[1] });
