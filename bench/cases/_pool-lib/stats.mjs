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

/**
 * Starts `count` busy loops at the lowest priority (`nice -n 19`), which keep the CPUs from
 * idling deeply: on a VM, waking an idle vCPU costs tens of µs and dominates round trips
 * (NATIVE-NOTES.md, "busy CPUs", closest to bare metal). Returns the function that stops them.
 *
 * @param {number} count
 */
export async function startSpinners(count) {
  if (!count) return () => undefined;
  const { spawn } = await import('node:child_process');
  const spinners = Array.from({ length: count }, () =>
    spawn('nice', ['-n', '19', process.execPath, '-e', 'for (;;);'], { stdio: 'ignore' }),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  return () => {
    for (const s of spinners) s.kill('SIGKILL');
  };
}
