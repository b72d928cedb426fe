// Python: "Introduction", the basic example of data parallelism using Pool.
//   run: pnpm --filter @multiproc/examples exec tsx pool/pool-intro.ts
import { Pool, isMainProcess } from 'multiproc';

export function f(x: number): number {
  return x * x;
}

if (isMainProcess()) {
  await using p = new Pool(5);
  console.log(await p.map(f, [1, 2, 3]));
}
