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
 */
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isMainThread, threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { closeFd, processSlot, setCloexec, unixConnect, unixListen } from '@multiproc/native';
import { onSpawn } from '@multiproc/process/internal';
import {
  encodeMessage,
  JOURNAL_MAX_BYTES,
  JOURNAL_PREFIX,
  TRACKER_ENV,
  TRACKER_FD_ENV,
  type TrackerMessage,
} from './protocol.js';

const kSlot = 'multiproc.tracker';
const kTrackerScript = new URL('./tracker-main.cjs', import.meta.url);

interface Connection {
  path: string;
  fd: number;
}

let connection: Connection | undefined;
let disabledReason: string | undefined;

function parseSlot(value: string): Connection {
  const [path = '', fd = '-1'] = value.split('\n');
  return { path, fd: Number(fd) };
}

/** Spawns a tracker and connects to it; returns the connection. */
function startTracker(): Connection {
  const dir = mkdtempSync(join(tmpdir(), 'mp-tracker-'));
  const path = join(dir, 'tracker.sock');
  let listenFd: number;
  try {
    listenFd = unixListen(path);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  try {
    const child = spawn(process.execPath, [fileURLToPath(kTrackerScript), dir], {
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

function connect(): Connection | undefined {
  if (connection || disabledReason !== undefined) return connection;
  const shared = processSlot(kSlot);
  if (shared !== undefined) return (connection = parseSlot(shared));
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
  const winner = processSlot(kSlot, `${fresh.path}\n${fresh.fd}`)!;
  connection = parseSlot(winner);
  if (connection.fd !== fresh.fd) {
    if (fresh !== inheritedConnection) closeFd(fresh.fd); // another thread connected first
  } else {
    writeLine(connection, { type: 'hello', pid: process.pid });
  }
  process.env[TRACKER_ENV] = connection.path;
  return connection;
}

const inheritedConnection = adoptInherited();

/** This process's tracker connection if it has one already; never starts a tracker. */
function existingConnection(): Connection | undefined {
  if (connection) return connection;
  const shared = processSlot(kSlot);
  return shared !== undefined ? parseSlot(shared) : inheritedConnection;
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
  const fd = openSync(join(dirname(conn.path), `${stem}${seq}.log`), 'wx', 0o600);
  if (previous) closeSync(previous.fd);
  else if (!isMainThread) {
    // A worker thread's descriptors outlive it: close its journal when it ends.
    process.once('exit', () => {
      if (journal) closeSync(journal.fd);
    });
  }
  return { fd, stem, seq, bytes: 0 };
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
  // The tracker already knows a name this thread registered: skip the system call.
  if (type === 'hold' && registered.has(name)) return;
  const conn = connect();
  if (!conn) return;
  const t = stamp();
  if (type === 'hold') writeLine(conn, { type, name, t });
  else {
    const message: TrackerMessage = type === 'own' ? { type, name, warn, t } : { type, name, t };
    if (!journalLine(conn, message)) writeLine(conn, message);
  }
  if (type === 'forget') registered.delete(name);
  else registered.add(name);
}

/** Names this thread has told the tracker about (owned or held) and not forgotten since. */
const registered = new Set<string>();

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
