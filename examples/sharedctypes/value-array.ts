// Python: "Sharing state between processes — Shared memory": Value('d', 0.0) and Array('i', range(10)).
//   run: pnpm --filter @multiproc/examples exec tsx sharedctypes/value-array.ts
import mp, { Process, isMainProcess, type SharedArray, type Value } from 'multiproc';

export function f(n: Value<'d'>, a: SharedArray<'i'>): void {
  n.value = 3.1415927;
  for (let i = 0; i < a.length; i++) a[i] = -a[i]!;
}

if (isMainProcess()) {
  const num = new mp.Value('d', 0.0);
  const arr = new mp.Array(
    'i',
    Array.from({ length: 10 }, (_, i) => i),
  );

  const p = new Process({ target: f, args: [num, arr] });
  p.start();
  await p.join();

  console.log(num.value);
  console.log(`[${arr.slice().join(', ')}]`);
}
