// One hammering child: acquire, increment, release, for `ms` ms after the start signal.
export function hammer(lock, counter, ready, start, stats, index, ms) {
  ready.release();
  start.waitSync();
  let longest = 0;
  let count = 0;
  const end = performance.now() + ms;
  for (;;) {
    const t0 = performance.now();
    if (t0 >= end) break;
    lock.acquireSync();
    const waited = performance.now() - t0;
    counter.value += 1;
    lock.release();
    if (waited > longest) longest = waited;
    count++;
  }
  stats.set(2 * index, count);
  stats.set(2 * index + 1, longest);
}
