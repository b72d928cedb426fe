// multiproc's Queue: producers in child processes put as fast as they can (putSync); consumers
// take with `get` (async) or `getSync`. Each figure: items (or bytes) moved / time from go to
// the last item, after a warm-up by the same processes (whose own rate is `coldInts1`). Idle: CPU time of this process per second while a get waits on an empty queue,
// and (idleFloor) while it sleeps on a timer with no queue at all.
import { emit, importOrUnavailable, nowMs, params } from '../../lib/runner.mjs';
import { consume, produce } from './targets.mjs';

const mode = process.argv[2] ?? 'get';
const { Event, Process, Queue } = await importOrUnavailable('multiproc');
const { ints, ints4Items, kibItems, mibItems, warmupInts, warmupKib, warmupMib } = params({
  ints: 200000,
  ints4Items: 2000000,
  kibItems: 50000,
  mibItems: 300,
  warmupInts: 50000,
  warmupKib: 5000,
  warmupMib: 30,
});

async function run({ producers, consumers, count, warmup, kind, size }) {
  const q = new Queue(kind === 'int' ? 0 : 64);
  const ctl = new Queue();
  const start = new Event();
  const go = new Event();
  const per = Math.floor(count / producers);
  const warmPer = Math.floor(warmup / producers);
  const children = [
    ...Array.from(
      { length: producers },
      () => new Process({ target: produce, args: [q, ctl, start, go, warmPer, per, kind, size] }),
    ),
    ...Array.from(
      { length: consumers },
      () => new Process({ target: consume, args: [q, ctl, mode] }),
    ),
  ];
  const take = async (n) => {
    let got = 0;
    for (let i = 0; i < n; i++) {
      const item = mode === 'getSync' ? q.getSync() : await q.get();
      got += kind === 'int' ? 1 : item.length;
    }
    return got;
  };
  for (const p of children) p.start();
  for (let i = 0; i < children.length; i++) await ctl.get();
  start.set();
  const c0 = nowMs();
  // The warm-up: every process runs the same code paths the timed part runs, so that V8 has
  // compiled them (CPython runs the same steps, with nothing to compile).
  if (consumers === 0) await take(warmPer * producers);
  for (let i = 0; i < producers; i++) await ctl.get(); // each producer's 'warm'
  while (q.qsize() > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  const coldSeconds = (nowMs() - c0) / 1000;
  go.set();
  const t0 = nowMs();
  let got = 0;
  if (consumers === 0) got = await take(per * producers);
  else {
    for (const p of children.slice(0, producers)) await p.join();
    for (let c = 0; c < consumers; c++) await q.put(null);
    for (let c = 0; c < consumers; c++) got += await ctl.get();
    got -= warmPer * producers;
  }
  const seconds = (nowMs() - t0) / 1000;
  for (const p of children) await p.join();
  q.close();
  ctl.close();
  const scale = kind === 'int' ? 1 : 1e6;
  return {
    rate: got / scale / seconds,
    cold: (warmPer * producers * (size || 1)) / scale / coldSeconds,
  };
}

/** CPU milliseconds this process used while `fn` ran, and the milliseconds it ran. */
async function cpuDuring(fn) {
  const before = process.cpuUsage();
  const t0 = nowMs();
  await fn();
  const used = process.cpuUsage(before);
  return { cpu: (used.user + used.system) / 1000, wall: nowMs() - t0 };
}

/** CPU milliseconds per second while a get waits 3 s on an empty queue. */
async function idleCpuMsPerS() {
  const q = new Queue();
  const wait = async (ms) => {
    try {
      if (mode === 'getSync') q.getSync({ timeout: ms });
      else await q.get({ timeout: ms });
    } catch {
      // Empty, as intended
    }
  };
  await wait(100); // the first wait starts the addon's waiter thread: not idle cost
  const { cpu, wall } = await cpuDuring(() => wait(3000));
  q.close();
  return cpu / (wall / 1000);
}

/** This process sleeping `ms` on a timer, with no queue: Node's own idle cost. */
const sleepCost = (ms) => cpuDuring(() => new Promise((resolve) => setTimeout(resolve, ms)));

// Idle first, before the other figures leave garbage for the collector to work on meanwhile. A
// young process's background work (compiling, collecting) fades with time, so the floor is taken
// half before and half after the idle consumer, and both see the same process age on average.
const floorBefore = await sleepCost(1500);
const idle = await idleCpuMsPerS();
const floorAfter = await sleepCost(1500);
const idleFloor =
  (floorBefore.cpu + floorAfter.cpu) / ((floorBefore.wall + floorAfter.wall) / 1000);
const ints1 = await run({
  producers: 1,
  consumers: 0,
  count: ints,
  warmup: warmupInts,
  kind: 'int',
});
const ints4 = await run({
  producers: 4,
  consumers: 4,
  count: ints4Items,
  warmup: warmupInts,
  kind: 'int',
});
const kib1 = await run({
  producers: 1,
  consumers: 0,
  count: kibItems,
  warmup: warmupKib,
  kind: 'buf',
  size: 1024,
});
const mib1 = await run({
  producers: 1,
  consumers: 0,
  count: mibItems,
  warmup: warmupMib,
  kind: 'buf',
  size: 1 << 20,
});
emit({
  ints1: ints1.rate,
  ints4: ints4.rate,
  kib1: kib1.rate,
  mib1: mib1.rate,
  coldInts1: ints1.cold,
  idle,
  idleFloor,
});
