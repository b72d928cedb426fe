// The child's whole job: read CLOCK_MONOTONIC first thing, then leave the reading in a file for
// the parent. The write comes after the reading, so it costs nothing in "start → running" and
// the same in every implementation's "start → join". multiproc's child and the `.mjs` raw fork
// call this function; the baseline's CommonJS child does the same in one line.
import { writeFileSync } from 'node:fs';

/** @param {string} file */
export function markRunning(file) {
  writeFileSync(file, String(process.hrtime.bigint()));
}
