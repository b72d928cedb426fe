// Small helpers shared by the pool runners.

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Seconds since `t0` (a `process.hrtime.bigint()` reading). */
export function secondsSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
