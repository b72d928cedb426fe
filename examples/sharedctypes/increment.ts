// The Shared values page: `v.value += 1` is a read, then a write; holding the value's own lock
// around it makes the pair atomic, so no increment of two processes is lost.
//   run: pnpm --filter @multiproc/examples exec tsx sharedctypes/increment.ts
import { Process, Value, isMainProcess } from 'multiproc';

export function add(counter: Value<'i'>, times: number): void {
  for (let i = 0; i < times; i++) {
    counter.getLock().withLockSync(() => {
      counter.value += 1;
    });
  }
}

if (isMainProcess()) {
  const counter = new Value('i', 0);
  const p = new Process({ target: add, args: [counter, 10_000] });
  p.start();
  add(counter, 10_000);
  await p.join();
  console.log(counter.value); // 20000
}
