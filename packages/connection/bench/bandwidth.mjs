// sendBytes bandwidth between two processes over a Pipe (multiproc): a child sends `count`
// messages of `size` MiB; the parent receives them with recvBytes.
//   node bandwidth.mjs [sizeMiB] [count] [recvBytes|recvBytesInto]
// Prints one JSON line: { case, impl, receive, sizeMiB, count, seconds, mbPerSecond }.
import { createRequire } from 'node:module';
import { Pipe } from '@multiproc/connection';
import { Process } from '@multiproc/process';

const require = createRequire(import.meta.url);
const targets = require('./targets.cjs');
const sizeMiB = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? Math.max(4, Math.round(512 / sizeMiB)));
const size = sizeMiB * 1024 * 1024;
const receive = process.argv[4] ?? 'recvBytes';

const [conn, childConn] = Pipe();
const child = new Process({ target: targets.sendBytes, args: [childConn, size, count] });
child.start();
childConn.close();
// The child is ready once it answers; time from 'go' to the last byte received.
conn.send('go');
const started = performance.now();
let bytes = 0;
if (receive === 'recvBytesInto') {
  const into = Buffer.allocUnsafe(size);
  for (let i = 0; i < count; i++) bytes += await conn.recvBytesInto(into);
} else {
  for (let i = 0; i < count; i++) bytes += (await conn.recvBytes()).length;
}
const seconds = (performance.now() - started) / 1000;
await child.join();
conn.close();
if (bytes !== size * count) throw new Error(`received ${bytes} bytes, expected ${size * count}`);
console.log(
  JSON.stringify({
    case: 'bandwidth',
    impl: 'multiproc',
    receive,
    sizeMiB,
    count,
    seconds,
    mbPerSecond: Math.round(bytes / seconds / 1e6),
  }),
);
