/**
 * Messages from a program's processes to its resource tracker, one JSON object per line.
 *
 * `hello`, `hold` and `release` go over the tracker's Unix stream socket, each line with a single `write(2)`
 * (so lines from threads sharing the connection never interleave): the tracker acts on them at
 * once. `own` and `forget` are only needed when the program ends, so each thread appends them to
 * a journal file of its own in the tracker's directory instead (see `tracker/client.ts`), which
 * wakes no one; they go over the socket only when a journal cannot be written.
 *
 * `t` orders a name's events across processes: microseconds on the system-wide monotonic clock,
 * taken when the line is written. A segment's `own` is written before it is created and its
 * `forget` after it is unlinked, so for one segment `own.t < forget.t` whichever processes wrote
 * them.
 */
export type TrackerMessage =
  /** First line of every connection. */
  | { type: 'hello'; pid: number }
  /** The program will create this segment: unlink it when the program has ended. */
  | { type: 'own'; name: string; warn: boolean; t: number }
  /**
   * A thread of the program attached this segment by name: keep it from other programs' trackers
   * until the matching `release` (or the end).
   */
  | { type: 'hold'; name: string; t: number }
  /** That thread closed its last handle of the segment: one hold fewer. */
  | { type: 'release'; name: string; t: number }
  /** The program unlinked this segment itself (or failed to create it): forget it, no warning. */
  | { type: 'forget'; name: string; t: number };

/** Prefix of journal file names in the tracker's directory: `j-<writer>-<seq>.log`. */
export const JOURNAL_PREFIX = 'j-';

/**
 * File in the tracker's directory on which a live tracker keeps `LOCK_EX`: a client that gets
 * `LOCK_SH` on it knows (without waking the tracker) that the tracker may have died.
 */
export const ALIVE_FILE = 'alive';

/** Prefix of tracker directories (`<tmpdir>/mp-tracker-XXXXXX`). */
export const TRACKER_DIR_PREFIX = 'mp-tracker-';

/** The tracker's listening socket, in its directory. */
export const TRACKER_SOCKET = 'tracker.sock';

/** File in the tracker's directory whose `LOCK_EX` lets one process at a time start a successor. */
export const TAKEOVER_LOCK_FILE = 'takeover.lock';

/** A journal holds at most about this many bytes; its writer then starts the next one. */
export const JOURNAL_MAX_BYTES = 1 << 20;

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
