// See tooling/test-helpers.ts; this package's segments are multiproc's own, not `mp_test_…`.
import { fixturesIn, multiprocShmNames, sleep } from '../../../tooling/test-helpers.js';

export * from '../../../tooling/test-helpers.js';
export const fixture = fixturesIn(__dirname);
export const shmNames = multiprocShmNames;

/**
 * Of a program's segments, those still in /dev/shm 5 s after it ended (the resource tracker
 * unlinks them once the program's last process has gone).
 */
export async function segmentsLeft(segments: string[]): Promise<string[]> {
  let left = segments;
  for (let i = 0; i < 50 && left.length > 0; i++) {
    if (i > 0) await sleep(100);
    const now = shmNames();
    left = segments.filter((name) => now.has(name));
  }
  return left;
}
