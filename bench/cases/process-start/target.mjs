// The child's whole job, shared by every Node implementation so they do identical work: read
// CLOCK_MONOTONIC first thing, then leave the reading in a file for the parent. The write comes
// after the reading, so it costs nothing in "start → running" and the same in "start → join".
import { writeFileSync } from 'node:fs';

/** @param {string} file */
export function markRunning(file) {
  writeFileSync(file, String(process.hrtime.bigint()));
}
