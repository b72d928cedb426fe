// Parent-side bookkeeping shared by the Node runners: a scratch file for the child's clock
// reading, and turning readings into the two metrics.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs `body` with the path of a fresh mark file in a scratch folder, removed afterwards.
 *
 * @template T
 * @param {(markFile: string) => Promise<T>} body
 * @returns {Promise<T>}
 */
export async function withMarkFile(body) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-process-start-'));
  try {
    return await body(path.join(dir, 'running'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads (and removes) the child's mark and returns both intervals in milliseconds.
 *
 * @param {string} markFile
 * @param {bigint} t0 before the process object was made
 * @param {bigint} t1 when join resolved
 * @returns {{ running: number, joined: number }}
 */
export function readMark(markFile, t0, t1) {
  let text;
  try {
    text = readFileSync(markFile, 'utf8');
  } catch {
    throw new Error('the child exited without running its target (no mark file)');
  }
  rmSync(markFile);
  return { running: Number(BigInt(text) - t0) / 1e6, joined: Number(t1 - t0) / 1e6 };
}
