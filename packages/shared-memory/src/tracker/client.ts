/**
 * The resource tracker, client side.
 *
 * ```
 *   program (one process group; `kill -9 -PGID` takes all of it)        detached (own session)
 *  ┌───────────────────────────────────────────────────────────┐      ┌──────────────────────┐
 *  │ main process ── fork ──▶ child ── fork ──▶ grandchild      │      │ tracker process      │
 *  │    │ conn fd (blocking,     │ conn fd        │ conn fd      │ unix │  owned: names to     │
 *  │    │ writeSync per line)    │                │              │ sock │    unlink at the end │
 *  │    └────────────────────────┴────────────────┴──────────────┼─────▶│  held: fd + LOCK_SH  │
 *  │  env MULTIPROC_TRACKER=<socket path> is inherited by children │      │  conns: open count   │
 *  └───────────────────────────────────────────────────────────┘      └──────────────────────┘
 * ```
 *
 * The first process that creates or attaches a segment starts the tracker: it creates the
 * listening socket itself (in a fresh 0700 directory), spawns the tracker detached with that
 * socket as its fd 3, and connects at once, so registrations sit in the kernel's buffer even
 * before the tracker has started and a SIGKILL right after `new SharedMemory()` loses nothing.
 * Its path goes into `process.env.MULTIPROC_TRACKER`, which children inherit; a child connects
 * on its first segment. When every connection has closed — every process of the program has
 * exited, however it died — the tracker unlinks every segment still owned and exits. See
 * `tracker-main.ts` for the cross-program rules.
 *
 * What travels how. A `hold` (attached by name) goes over the socket, one synchronous write per
 * line, because the tracker acts on it at once. `own` (before creating) and `forget` (after
 * unlinking) matter only when the program ends, so each thread appends them with a synchronous
 * write to a journal file of its own in the tracker's directory (`j-<pid>-<thread>-<random>-<seq>.log`),
 * starting a new one after `JOURNAL_MAX_BYTES`. A write to a file wakes no one, where each line
 * on the socket woke the sleeping tracker: on a 2-vCPU VM that wake-up was half the time of a
 * create + attach + close + unlink (18-22 k/s with it, 35-40 k/s without). The journal is in
 * the kernel once `write` returns, so a SIGKILL right after loses nothing. The tracker reads
 * the journals every `JOURNAL_PASS_MS` (deleting finished ones) and at the end. If a journal
 * cannot be written, the line goes over the socket instead.
 *
 * When the tracker dies before its program (an OOM killer, a supervisor's sweep), the program
 * starts a successor. Each thread with a connection probes, once a second (an unref'd timer,
 * and on a `track` call when the timer has not run), whether it gets `LOCK_SH` on the
 * directory's `alive` file, on which a live tracker keeps `LOCK_EX`: one syscall that wakes no
 * one. When it does, a `hello` on its socket confirms (a dead peer refuses it), and the thread
 * takes the directory's `takeover.lock`: if a successor already listens on the socket path it
 * connects, otherwise it starts one in the same directory, on the same path, which takes over the
 * journals and the dead tracker's snapshot. Each generation's connection has a process slot of
 * its own (`multiproc.tracker#<n>`), so the threads of a process agree on one; a dead
 * connection's descriptor stays open, as another thread may still write to its number. The
 * thread then sends its holds again. A thread that ends while its tracker is dead does the same,
 * so a program that ends before its timer ran still leaves a tracker to clean up.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isMainThread, threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import {
  closeFd,
  flock,
  processSlot,
  setCloexec,
  unixConnect,
  unixListen,
} from '@multiproc/native';
import { onSpawn } from '@multiproc/process/internal';
import {
  ALIVE_FILE,
  encodeMessage,
  JOURNAL_MAX_BYTES,
  JOURNAL_PREFIX,
  TAKEOVER_LOCK_FILE,
  TRACKER_DIR_PREFIX,
  TRACKER_ENV,
  TRACKER_FD_ENV,
  TRACKER_SOCKET,
  type TrackerMessage,
} from './protocol.js';

const kSlot = 'multiproc.tracker';
const kTrackerScript = new URL('./tracker-main.cjs', import.meta.url);
/** How often a thread checks that its tracker still lives, in microseconds. */
const kProbeUs = 1_000_000;

interface Connection {
  path: string;
  fd: number;
}

let connection: Connection | undefined;
/** Which tracker generation `connection` belongs to: 0 for the first, +1 per successor. */
let generation = 0;
let disabledReason: string | undefined;

function slotKey(gen: number): string {
  return gen === 0 ? kSlot : `${kSlot}#${gen}`;
}

function parseSlot(value: string): Connection {
  const [path = '', fd = '-1'] = value.split('\n');
  return { path, fd: Number(fd) };
}

/**
 * Spawns a tracker and connects to it; returns the connection. With `takeOver`, the tracker
 * succeeds a dead one in that directory (the caller holds its takeover lock).
 */
function startTracker(takeOver?: string): Connection {
  const dir = takeOver ?? mkdtempSync(join(tmpdir(), TRACKER_DIR_PREFIX));
  const path = join(dir, TRACKER_SOCKET);
  let listenFd: number;
  try {
    if (takeOver !== undefined) rmSync(path, { force: true });
    listenFd = unixListen(path);
  } catch (error) {
    if (takeOver === undefined) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  try {
    const mode = takeOver === undefined ? [] : ['successor'];
    const child = spawn(process.execPath, [fileURLToPath(kTrackerScript), dir, ...mode], {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', listenFd],
      env: { ...process.env, [TRACKER_ENV]: '', [TRACKER_FD_ENV]: '' },
    });
    child.unref();
    return { path, fd: unixConnect(path) };
  } finally {
    closeFd(listenFd);
  }
}

/**
 * A child started by `@multiproc/process` inherits its parent's connection (see
 * `trackerChildOptions`) and uses it as its own: the program then stays registered from the
 * child's first instant. Adopted when this module loads, so grandchildren spawned later by other
 * means neither inherit the descriptor nor see a stale descriptor number.
 */
function adoptInherited(): Connection | undefined {
  const fdText = process.env[TRACKER_FD_ENV];
  const path = process.env[TRACKER_ENV];
  if (!fdText) return undefined;
  delete process.env[TRACKER_FD_ENV];
  const fd = Number(fdText);
  if (!path || !Number.isInteger(fd) || fd < 3) return undefined;
  try {
    if (!fstatSync(fd).isSocket()) return undefined;
    setCloexec(fd, true);
  } catch {
    return undefined;
  }
  return { path, fd };
}

/** The newest generation's connection of this process, if any thread has one; updates `generation`. */
function latestShared(): Connection | undefined {
  let shared = processSlot(slotKey(generation));
  if (shared === undefined) return undefined;
  for (let next; (next = processSlot(slotKey(generation + 1))) !== undefined; generation++) {
    shared = next;
  }
  return parseSlot(shared);
}

function connect(): Connection | undefined {
  if (connection || disabledReason !== undefined) return connection;
  const shared = latestShared();
  if (shared !== undefined) return adopt(shared);
  let fresh: Connection | undefined = inheritedConnection;
  const inherited = process.env[TRACKER_ENV];
  if (!fresh && inherited) {
    try {
      fresh = { path: inherited, fd: unixConnect(inherited) };
    } catch {
      // The tracker of the program that started us is gone: this process starts its own.
    }
  }
  try {
    fresh ??= startTracker();
  } catch (error) {
    disabledReason = (error as Error).message;
    process.emitWarning(
      `multiproc could not start its resource tracker (${disabledReason}); shared memory segments ` +
        'will not be cleaned up if this program dies without unlinking them',
      { code: 'ERR_MP_TRACKER' },
    );
    return undefined;
  }
  const winner = parseSlot(processSlot(kSlot, `${fresh.path}\n${fresh.fd}`)!);
  if (winner.fd !== fresh.fd) {
    if (fresh !== inheritedConnection) closeFd(fresh.fd); // another thread connected first
  } else {
    writeLine(winner, { type: 'hello', pid: process.pid });
  }
  return adopt(winner);
}

/** Makes `conn` this thread's connection, and arms the checks that its tracker lives. */
function adopt(conn: Connection): Connection {
  if (!connection) {
    setInterval(checkTracker, kProbeUs / 1000).unref();
    process.once('exit', () => {
      checkTracker();
      // A worker thread's descriptors outlive it.
      if (!isMainThread && alive) closeSync(alive.fd);
    });
  }
  connection = conn;
  lastProbe = stamp();
  process.env[TRACKER_ENV] = conn.path;
  return conn;
}

/** The `alive` file of this thread's tracker directory, opened once per directory. */
let alive: { dir: string; fd: number } | undefined;

/**
 * Whether this thread's tracker may have died: it no longer holds `LOCK_EX` on its `alive` file
 * (or the directory is gone). False while it runs, and before it has taken the lock at start.
 */
function trackerMaybeDead(): boolean {
  if (!connection) return false;
  const dir = dirname(connection.path);
  try {
    if (alive?.dir !== dir) {
      if (alive) closeSync(alive.fd);
      alive = undefined;
      alive = { dir, fd: openSync(join(dir, ALIVE_FILE), 'a', 0o600) };
    }
    if (!flock(alive.fd, 'shared')) return false;
    flock(alive.fd, 'unlock');
    return true;
  } catch {
    return true;
  }
}

/** Microseconds (on `stamp`'s clock) of this thread's latest check of its tracker. */
let lastProbe = 0;

/**
 * Checks that this thread's tracker lives; when it died, joins or starts its successor (see the
 * header). Returns the connection to use. `failedWrite`: a write to it has just failed.
 */
function checkTracker(failedWrite = false): Connection | undefined {
  lastProbe = stamp();
  // A failed write proves the peer dead even when the `alive` lock says otherwise: another
  // program's tracker may have adopted the directory (see `orphans.ts`) before this one probed.
  if (!connection || (!failedWrite && !trackerMaybeDead())) return connection;
  const dead = connection.fd;
  for (let attempt = 0; attempt < 3 && !lineReaches(connection); attempt++) {
    const newer = latestShared();
    if (newer && newer.fd !== connection.fd) {
      connection = newer; // another thread of this process got there first
    } else {
      let fresh: Connection;
      try {
        fresh = takeOver(connection.path);
      } catch {
        return connection; // no tracker could be started: the next check tries again
      }
      const winner = parseSlot(processSlot(slotKey(generation + 1), `${fresh.path}\n${fresh.fd}`)!);
      generation++;
      if (winner.fd !== fresh.fd) closeFd(fresh.fd);
      connection = winner;
    }
  }
  if (connection.fd === dead) return connection; // alive after all, or no successor yet
  adopt(connection);
  if (journal && journal.dir !== dirname(connection.path)) {
    closeSync(journal.fd);
    journal = undefined;
  }
  for (const name of holds.keys()) sendLine({ type: 'hold', name, t: stamp() });
  return connection;
}

/** Whether a `hello` reaches the tracker at the other end of `conn` (a dead one refuses it). */
function lineReaches(conn: Connection): boolean {
  try {
    writeLine(conn, { type: 'hello', pid: process.pid });
    return true;
  } catch {
    return false;
  }
}

/**
 * Connects to the successor of the tracker that listened at `path`, starting it first unless
 * another process of the program has; `takeover.lock` makes that one process at a time. When the
 * directory is gone, its tracker ended: a fresh tracker in a new directory takes its place.
 */
function takeOver(path: string): Connection {
  const dir = dirname(path);
  let lockFd: number;
  try {
    lockFd = openSync(join(dir, TAKEOVER_LOCK_FILE), 'a', 0o600);
  } catch {
    return startTracker();
  }
  try {
    flock(lockFd, 'exclusive', { wait: true });
    try {
      return { path, fd: unixConnect(path) };
    } catch {
      // nobody listens: this process starts the successor
    }
    try {
      return startTracker(dir);
    } catch {
      return startTracker();
    }
  } finally {
    closeSync(lockFd);
  }
}

/** Writes `message` on this thread's connection; when that fails, on its tracker's successor's. */
function sendLine(message: TrackerMessage): void {
  if (!connection) return;
  try {
    writeLine(connection, message);
  } catch {
    const next = checkTracker(true);
    try {
      if (next) writeLine(next, message);
    } catch {
      // no tracker: the thread-exit cleanup (`heap.ts`) is all that is left
    }
  }
}

const inheritedConnection = adoptInherited();

/** This process's tracker connection if it has one already; never starts a tracker. */
function existingConnection(): Connection | undefined {
  if (connection) return connection;
  return latestShared() ?? inheritedConnection;
}

// Every child that `@multiproc/process` spawns after this program has a tracker inherits the
// connection (a program that never used shared memory starts no tracker for its children).
onSpawn((stdioIndex) => trackerChildOptions(stdioIndex, { start: false }));

function writeLine(conn: Connection, message: TrackerMessage): void {
  const line = Buffer.from(encodeMessage(message));
  let written = 0;
  while (written < line.length) written += writeSync(conn.fd, line, written);
}

/** This thread's journal: the file it appends to now. */
interface Journal {
  fd: number;
  /** The tracker directory it is in. */
  dir: string;
  /** `j-<pid>-<thread>-<random>-`: the seq and `.log` follow. */
  stem: string;
  seq: number;
  bytes: number;
}

/** `undefined` until the first own/forget; `null` once a journal could not be written. */
let journal: Journal | null | undefined;

function openJournal(conn: Connection, previous: Journal | undefined): Journal {
  const stem =
    previous?.stem ??
    `${JOURNAL_PREFIX}${process.pid}-${threadId}-${randomBytes(4).toString('hex')}-`;
  const seq = previous ? previous.seq + 1 : 0;
  // The next file exists before the previous one is closed: the tracker deletes a journal once
  // it has read it and a later one of the same writer exists, so the previous one is complete.
  const dir = dirname(conn.path);
  const fd = openSync(join(dir, `${stem}${seq}.log`), 'wx', 0o600);
  if (previous) closeSync(previous.fd);
  else if (!isMainThread) {
    // A worker thread's descriptors outlive it: close its journal when it ends.
    process.once('exit', () => {
      if (journal) closeSync(journal.fd);
    });
  }
  return { fd, dir, stem, seq, bytes: 0 };
}

/** Appends a line to this thread's journal; false when it could not (the caller uses the socket). */
function journalLine(conn: Connection, message: TrackerMessage): boolean {
  if (journal === null) return false;
  const line = Buffer.from(encodeMessage(message));
  try {
    if (journal === undefined || journal.bytes >= JOURNAL_MAX_BYTES) {
      journal = openJournal(conn, journal);
    }
    // One write: a partial one (a full disk) leaves a line without its newline, which the
    // tracker ignores; the socket then carries this line and every later one.
    if (writeSync(journal.fd, line) !== line.length) throw new Error('short write');
    journal.bytes += line.length;
    return true;
  } catch {
    journal = null;
    return false;
  }
}

let lastStamp = 0;

/** Microseconds on the monotonic clock every process shares; strictly increasing per thread. */
function stamp(): number {
  const ns = process.hrtime.bigint();
  const us = Number(ns / 1000n) + Number(ns % 1000n) / 1000;
  lastStamp = us > lastStamp ? us : lastStamp + 0.001;
  return lastStamp;
}

/**
 * Tells this program's tracker about a segment: `own` (about to be created here: unlink at the
 * end), `hold` (attached by name: protect from other programs' trackers), `forget` (unlinked
 * here).
 */
export function track(type: 'own' | 'hold' | 'forget', name: string, warn = false): void {
  if (type === 'hold') {
    const open = holds.get(name);
    if (open !== undefined) {
      holds.set(name, open + 1);
      return;
    }
    // Owned here: the tracker keeps it until the end anyway.
    if (registered.has(name)) return;
  }
  let conn = connect();
  if (!conn) return;
  const t = stamp();
  if (t - lastProbe >= kProbeUs) conn = checkTracker()!;
  if (type === 'hold') {
    sendLine({ type, name, t });
    holds.set(name, 1);
  } else {
    const message: TrackerMessage = type === 'own' ? { type, name, warn, t } : { type, name, t };
    if (!journalLine(conn, message)) sendLine(message);
  }
  if (type === 'forget') {
    registered.delete(name);
    holds.delete(name);
  } else {
    registered.add(name);
  }
}

/**
 * A handle attached by name was closed. When it was this thread's last of that segment, the
 * program's hold goes (the tracker counts one per thread), so that the creator's tracker may
 * unlink the segment without waiting for this program to end.
 */
export function untrack(name: string): void {
  const open = holds.get(name);
  if (open === undefined) return;
  if (open > 1) {
    holds.set(name, open - 1);
    return;
  }
  holds.delete(name);
  registered.delete(name);
  sendLine({ type: 'release', name, t: stamp() });
}

/**
 * Whether this process's tracker still listens: a `hello` reaches it (a dead one's socket
 * refuses the write). False when none was ever started.
 */
export function trackerAlive(): boolean {
  const conn = existingConnection();
  if (!conn) return false;
  try {
    writeLine(conn, { type: 'hello', pid: process.pid });
    return true;
  } catch {
    return false;
  }
}

/** Names this thread has told the tracker about (owned or held) and not forgotten since. */
const registered = new Set<string>();

/** Segments this thread holds by name (it sent the `hold`): how many handles are open. */
const holds = new Map<string, number>();

/**
 * What a child process needs to join this program's tracker; see `trackerChildOptions`.
 *
 * @example
 * ```ts
 * const { fd, env }: TrackerChildOptions = trackerChildOptions(4)!;
 * ```
 */
export interface TrackerChildOptions {
  /** Put this descriptor in the child's `stdio` array at the index you passed. */
  readonly fd: number;
  /** Merge into the child's environment. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * For `@multiproc/process`, when it spawns a child: starts this program's tracker if needed
 * (unless `start: false`) and returns what the child must inherit. Place `fd` at `stdio[stdioIndex]` and merge `env` into the
 * child's environment. The child then counts as part of the program from the moment it exists:
 * the descriptor is a duplicate of this process's tracker connection, so the tracker cannot see
 * the program as ended while the child is still starting, even if this process dies meanwhile.
 * Returns `undefined` when the tracker could not be started (a warning was emitted).
 *
 * @example
 * ```ts
 * const t = trackerChildOptions(4);
 * const stdio = ['inherit', 'inherit', 'inherit', 'ipc', t?.fd ?? 'ignore'];
 * fork(bootstrap, { stdio, env: { ...process.env, ...t?.env } });
 * ```
 */
export function trackerChildOptions(
  stdioIndex: number,
  options: { start?: boolean } = {},
): TrackerChildOptions | undefined {
  if (!Number.isInteger(stdioIndex) || stdioIndex < 3) {
    throw new RangeError(`stdioIndex must be an integer >= 3, got ${String(stdioIndex)}`);
  }
  const conn = options.start === false ? existingConnection() : connect();
  if (!conn) return undefined;
  return { fd: conn.fd, env: { [TRACKER_ENV]: conn.path, [TRACKER_FD_ENV]: String(stdioIndex) } };
}
