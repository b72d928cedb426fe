// Helpers for Node runners (`cases/<name>/*.mjs`). A runner reads its parameters with `params()`,
// measures, and ends with `emit()` or `unavailable()`; see src/runner.ts for the protocol.

/**
 * The parameters the harness passed (the case's `params`, merged with `quickParams` under
 * `--quick` and with the implementation's own `params`).
 *
 * @template {Record<string, unknown>} T
 * @param {T} defaults used for keys the harness did not pass (running a runner by hand)
 * @returns {T}
 */
export function params(defaults) {
  const raw = process.env.BENCH_PARAMS;
  return { ...defaults, ...(raw ? JSON.parse(raw) : {}) };
}

/**
 * Monotonic time in milliseconds with sub-microsecond resolution (CLOCK_MONOTONIC on Linux, the
 * clock Python's `time.monotonic_ns()` reads too).
 *
 * @returns {number}
 */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Prints the result line and lets the process end.
 *
 * @param {Record<string, number | number[]>} metrics per-op samples as arrays, whole-run figures as numbers
 * @param {Record<string, unknown>} [info] anything worth keeping in the raw JSON
 */
export function emit(metrics, info) {
  process.stdout.write(`${JSON.stringify(info === undefined ? { metrics } : { metrics, info })}\n`);
}

/**
 * Reports the implementation as unavailable on this machine and exits.
 *
 * @param {string} reason
 * @returns {never}
 */
export function unavailable(reason) {
  process.stdout.write(`${JSON.stringify({ unavailable: reason })}\n`);
  process.exit(0);
}

/**
 * `import(specifier)`, or `unavailable()` naming why it failed (not installed, not built …).
 *
 * @param {string} specifier
 * @returns {Promise<any>}
 */
export async function importOrUnavailable(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return unavailable(`cannot import ${specifier}: ${message}`);
  }
}

/**
 * Runs `fn` `warmup` times unrecorded, then `samples` times, and returns what each recorded call
 * returned.
 *
 * @template T
 * @param {{ warmup: number, samples: number }} counts
 * @param {(index: number) => Promise<T> | T} fn
 * @returns {Promise<T[]>}
 */
export async function sample({ warmup, samples }, fn) {
  /** @type {T[]} */
  const out = [];
  for (let i = 0; i < warmup + samples; i++) {
    const value = await fn(i);
    if (i >= warmup) out.push(value);
  }
  return out;
}
