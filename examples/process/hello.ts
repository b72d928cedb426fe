// Python: "A trivial example of a multiprocess program".
//   run: pnpm --filter @multiproc/examples exec tsx process/hello.ts
import { Process, isMainProcess } from 'multiproc';

export function f(name: string): void {
  console.log('hello', name);
}

if (isMainProcess()) {
  const p = new Process({ target: f, args: ['bob'] });
  p.start();
  await p.join();
}
