/**
 * Warming the parent's per-item loops of a `map` of numbers before the first large one.
 */
import { encodeChunk } from './chunking.js';
import { copyNumbers, numberArray } from './jobs.js';
import type { EncodeContext } from '@multiproc/serialize';

/** Items per round of the warm-up, and rounds. */
const kWarmItems = 2048;
const kWarmRounds = 24;

let warmed = false;

/**
 * Runs the two loops that touch every item of a `map` of numbers in the parent (items into
 * float64s, float64 results into the result array) over small arrays, once per process, so
 * that V8 has compiled them with the right type feedback before the first large call.
 *
 * Why: cold, each runs interpreted until V8 replaces it mid-loop with compiled code, and on a
 * busy machine that compilation (on a background thread) lags; measured on a 2-vCPU VM under
 * load, the first 125,000-item chunk took 5–15 ms to encode (0.3–0.6 ms warm) and 30 ms to copy
 * into the results (0.2 ms warm). The pool calls this while its workers start, when the parent
 * has nothing else to do; it costs ~2 ms of CPU once per process.
 */
export function warmUpParent(context: EncodeContext): void {
  if (warmed) return;
  warmed = true;
  const ints = Array.from({ length: kWarmItems }, (_, i) => i);
  const doubles = ints.map((i) => i + 0.5);
  for (let round = 0; round < kWarmRounds; round++) {
    const items = round % 2 === 0 ? ints : doubles;
    const body = encodeChunk(items, 0, kWarmItems, false, context);
    if (body.kind !== 'f64') continue;
    copyNumbers(numberArray(kWarmItems), 0, body.values, kWarmItems);
  }
}
