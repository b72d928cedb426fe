// Child targets of the manager cases: exported, so multiproc's children import them by reference.

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** One set then one get, each awaited; or both sent at once (the server answers in order). */
const pair = {
  awaited: async (d, i, n) => {
    await d.set(i, n);
    await d.get(i);
  },
  together: (d, i, n) => Promise.all([d.set(i, n), d.get(i)]),
};

/**
 * `warmup` then `pairs` set+get pairs on key `i` of `d`, each `mode` ('awaited' or 'together');
 * records [start, end, warm-up start, warm-up end] in `times`.
 */
export async function dictPairs(d, times, barrier, i, warmup, pairs, mode) {
  const once = pair[mode];
  const cold = nowMs();
  for (let n = 0; n < warmup; n++) await once(d, i, n);
  const warm = nowMs();
  await barrier.wait();
  const start = nowMs();
  for (let n = 0; n < pairs; n++) await once(d, i, n);
  const end = nowMs();
  await times.set(i, [start, end, cold, warm]);
}
