// Small-object round trips per second between two processes over a Pipe (multiproc).
//   node roundtrip.mjs [async|sync] [seconds]
// Prints one JSON line: { case, mode, roundTrips, seconds, perSecond, medianUs, p99Us }.
import { createRequire } from 'node:module';
import { Pipe } from '@multiproc/connection';
import { Process } from '@multiproc/process';

const require = createRequire(import.meta.url);
const targets = require('./targets.cjs');
const mode = process.argv[2] ?? 'async';
const seconds = Number(process.argv[3] ?? 2);
const obj = [1, 'hello', null];

const [conn, childConn] = Pipe();
const child = new Process({
  target: mode === 'sync' ? targets.echoSync : targets.echo,
  args: [childConn],
});
child.start();
childConn.close();

const samples = [];
const roundTrip =
  mode === 'sync'
    ? () => {
        conn.send(obj);
        conn.recvSync();
      }
    : async () => {
        conn.send(obj);
        await conn.recv();
      };
// Warm up (JIT, first wake-ups), then measure for `seconds`.
for (let i = 0; i < 2000; i++) await roundTrip();
const started = performance.now();
const deadline = started + seconds * 1000;
let count = 0;
for (let now = started; now < deadline;) {
  const t = performance.now();
  await roundTrip();
  now = performance.now();
  samples.push(now - t);
  count++;
}
const elapsed = (performance.now() - started) / 1000;
conn.send(null);
await child.join();
conn.close();
samples.sort((a, b) => a - b);
const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] * 1000;
console.log(
  JSON.stringify({
    case: 'roundtrip',
    impl: 'multiproc',
    mode,
    roundTrips: count,
    seconds: elapsed,
    perSecond: Math.round(count / elapsed),
    medianUs: Number(at(0.5).toFixed(1)),
    p99Us: Number(at(0.99).toFixed(1)),
  }),
);
