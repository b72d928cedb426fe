// The Pool page: imap() over an endless generator, stopped by `break`.
//   run: pnpm --filter @multiproc/examples exec tsx pool/imap-endless.ts
import { Pool, isMainProcess } from 'multiproc';

export function square(x: number): number {
  return x * x;
}

/** 0, 1, 2, … for ever: imap reads it lazily, a few chunks ahead of the consumer. */
function* naturals(): Generator<number> {
  for (let n = 0; ; n++) yield n;
}

if (isMainProcess()) {
  await using pool = new Pool(2);
  let taken = 0;
  for await (const y of pool.imap(square, naturals(), { chunksize: 100 })) {
    taken++;
    if (y > 10_000) break; // stops reading naturals() and drops the queued chunks
  }
  console.log(`took ${taken} squares; the first over 10000 is ${(taken - 1) ** 2}`);
}
