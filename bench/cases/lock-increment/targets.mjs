// The children's loop: wait for the start signal, then `increments` locked increments.
function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function incrementRaw(value, lock, ready, start, times, index, increments) {
  ready.release();
  start.waitSync();
  const t0 = now();
  for (let i = 0; i < increments; i++) {
    lock.acquireSync();
    value.value += 1;
    lock.release();
  }
  times.set(2 * index, t0);
  times.set(2 * index + 1, now());
}

export function incrementValue(value, ready, start, times, index, increments) {
  ready.release();
  start.waitSync();
  const lock = value.getLock();
  const t0 = now();
  for (let i = 0; i < increments; i++) {
    lock.acquireSync();
    value.value += 1;
    lock.release();
  }
  times.set(2 * index, t0);
  times.set(2 * index + 1, now());
}
