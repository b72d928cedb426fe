// Child targets of the manager cases: exported, so multiproc's children import them by reference.

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** `warmup` then `pairs` set+get pairs on key `i` of `d`; records [start, end] in `times`. */
export async function dictPairs(d, times, barrier, i, warmup, pairs) {
  for (let n = 0; n < warmup; n++) {
    await d.set(i, n);
    await d.get(i);
  }
  await barrier.wait();
  const start = nowMs();
  for (let n = 0; n < pairs; n++) {
    await d.set(i, n);
    await d.get(i);
  }
  const end = nowMs();
  await times.set(i, [start, end]);
}
