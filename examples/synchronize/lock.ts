// Python: "Synchronization between processes": one process at a time prints, under a Lock.
//   run: pnpm --filter @multiproc/examples exec tsx synchronize/lock.ts
import { Lock, Process, isMainProcess } from 'multiproc';

export function f(l: Lock, i: number): void {
  l.acquireSync();
  try {
    console.log('hello world', i);
  } finally {
    l.release();
  }
}

if (isMainProcess()) {
  const lock = new Lock();
  const processes = Array.from(
    { length: 10 },
    (_, num) => new Process({ target: f, args: [lock, num] }),
  );
  for (const p of processes) p.start();
  for (const p of processes) await p.join();
}
