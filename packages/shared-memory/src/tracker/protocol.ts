/**
 * Messages from a program's processes to its resource tracker: one JSON object per line on a Unix
 * stream socket, each written with a single `write(2)` so lines from threads sharing the
 * connection never interleave.
 */
export type TrackerMessage =
  /** First line of every connection. */
  | { type: 'hello'; pid: number }
  /** The program created this segment: unlink it when the program has ended. */
  | { type: 'own'; name: string; warn: boolean }
  /** The program attached this segment by name: keep it from other programs' trackers until the end. */
  | { type: 'hold'; name: string }
  /** The program unlinked this segment itself (or failed to create it): forget it, no warning. */
  | { type: 'forget'; name: string };

/**
 * Environment variable naming the tracker's socket; children inherit it.
 *
 * @example
 * ```ts
 * process.env[TRACKER_ENV]; // '/tmp/mp-tracker-AbC123/tracker.sock' once a segment exists
 * ```
 */
export const TRACKER_ENV = 'MULTIPROC_TRACKER';
/**
 * Environment variable naming an inherited descriptor that keeps the program registered while a
 * child starts (set by `trackerChildOptions`, consumed when the child loads this package).
 *
 * @example
 * ```ts
 * spawn(cmd, args, { stdio: [..., t.fd], env: { ...process.env, ...t.env } }); // t.env[TRACKER_FD_ENV] === '4'
 * ```
 */
export const TRACKER_FD_ENV = 'MULTIPROC_TRACKER_FD';

export function encodeMessage(message: TrackerMessage): string {
  return JSON.stringify(message) + '\n';
}
