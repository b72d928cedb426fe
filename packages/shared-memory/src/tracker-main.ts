/**
 * The resource tracker process (see `tracker/client.ts` for how programs reach it).
 *
 * Started detached (its own session and process group, so `kill -9 -PGID` of the program leaves
 * it alive) with the listening socket as fd 3 and its private directory as argv[2]. It counts
 * open connections; when the count drops to zero after the first connection (every process of
 * the program has exited, whatever killed it) it cleans up and exits:
 *
 * - owned segments (created by the program, not unlinked by it): opened by name and unlinked if
 *   `flock(LOCK_EX | LOCK_NB)` succeeds. It fails while any process of another program still has
 *   the segment attached (every attaching process holds `LOCK_SH` on its descriptor) or another
 *   program's tracker holds it; the tracker then lingers, retrying every 250 ms, and unlinks it
 *   as soon as the last of them lets go. Segments the program created with `SharedMemory` get
 *   one warning line on stderr (like Python's "leaked shared_memory objects"); heap arenas and
 *   segments the program unlinked itself get none.
 * - held segments (attached by name from another program): the tracker keeps a descriptor with
 *   `LOCK_SH` on each while a thread of the program has it open (a `hold` per thread, a `release`
 *   when that thread closes its last handle; a thread that dies holding keeps it to the end), so
 *   the creator's tracker does not unlink it under this program; at the end it closes them.
 *
 * Which segments are owned comes from the journals the program's threads append to in this
 * directory (`own` before a create, `forget` after an unlink; see `tracker/client.ts`), and from
 * the same lines on a socket when a journal could not be written. A name's latest event by `t`
 * decides. The journals are read every `JOURNAL_PASS_MS` and once more at the end; a journal
 * that was read to its end and has a successor is deleted, so they take little disk. A `forget`
 * is kept as a tombstone until two passes have followed it: the matching `own`, written before
 * the `forget` was, may sit in a journal the same pass had already read, but not in the next.
 *
 * Succession. While it runs the tracker keeps `LOCK_EX` on the directory's `alive` file, which
 * clients probe. When it was SIGKILLed, the first process of the program to notice starts a
 * successor in the same directory with the same socket path (see `tracker/client.ts`). Before a
 * pass deletes journals it saves what it has absorbed (`tracker/snapshot.ts`); a successor
 * starts from that snapshot and reads each journal on from the snapshot's offset. Holds are sent
 * again by the clients that reconnect. Since a process of the program may not have reconnected
 * yet when the others have ended, a tracker whose last connection closed waits (up to
 * `kWritersGraceMs`) while a process that wrote a journal here is still alive. A program killed
 * whole before any of its processes noticed is found by the next program's fresh tracker, which
 * starts an orphan-mode successor here (`tracker/orphans.ts`).
 */
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { createServer, type Socket } from 'node:net';
import { closeFd, flock, shmOpen, shmUnlink } from '@multiproc/native';
import { ALIVE_FILE, JOURNAL_PREFIX, type TrackerMessage } from './tracker/protocol.js';
import { adoptOrphans } from './tracker/orphans.js';
import { loadSnapshot, saveSnapshot, type NameEvent } from './tracker/snapshot.js';

const kRetryMs = 250;
const kFirstConnectionTimeoutMs = 10_000;
/** How often the journals are read while the program runs. */
const kJournalPassMs = 2_000;
/** How long a tracker without connections waits for journal writers still alive to reconnect. */
const kWritersGraceMs = 5_000;

const dir = process.argv[2];
/** Each name's latest event: `owned` after an `own`, a tombstone after a `forget`. */
const names = new Map<string, NameEvent & { pass: number }>();
/** Segments owned when the program ended, filled by `end()`. */
const owned = new Map<string, { warn: boolean }>();
/** Held segments: the descriptor keeping `LOCK_SH`, the latest hold's time, the threads holding. */
const held = new Map<string, { fd: number; t: number; count: number }>();
/** Journals by file name: bytes read so far, and an incomplete last line. */
const journals = new Map<string, { offset: number; partial: Buffer }>();
let passes = 0;
let open = 0;
let seen = false;
let ending = false;
/** Set while the last connection has closed and journal writers may still reconnect. */
let lingering: NodeJS.Timeout | undefined;

const aliveFd = openSync(join(dir!, ALIVE_FILE), 'a', 0o600);
flock(aliveFd, 'exclusive', { wait: true });

const snapshot = loadSnapshot(dir!);
if (snapshot) {
  for (const [name, t, owned, warn] of snapshot.names) {
    names.set(name, { t, owned, warn, pass: 0 });
  }
  for (const [file, offset] of Object.entries(snapshot.offsets)) {
    journals.set(file, { offset, partial: Buffer.alloc(0) });
  }
}

process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => end());

const server = createServer((socket: Socket) => {
  open++;
  seen = true;
  clearTimeout(lingering);
  lingering = undefined;
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        handle(JSON.parse(line) as TrackerMessage);
      } catch {
        // a malformed line changes nothing
      }
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (--open === 0) endOnceWritersGone(orphan ? Infinity : Date.now() + kWritersGraceMs);
  });
});
server.listen({ fd: 3 });

/**
 * `orphan`: started by another program's tracker for a directory whose program may be gone
 * entirely (`tracker/orphans.ts`). It ends as soon as no process that wrote a journal here runs,
 * and never while one does.
 */
const mode = process.argv[3] as 'successor' | 'orphan' | undefined;
const orphan = mode === 'orphan';

const firstConnection = orphan
  ? setTimeout(() => endOnceWritersGone(Infinity), 0)
  : setTimeout(() => {
      if (!seen) end();
    }, kFirstConnectionTimeoutMs);

// A fresh tracker (a new program) is the one to look: successors serve a program already found.
if (mode === undefined) setImmediate(() => adoptOrphans(dir!, process.argv[1]!));

function handle(message: TrackerMessage): void {
  switch (message.type) {
    case 'hello':
      return;
    case 'own': {
      const latest = names.get(message.name);
      if (latest && latest.t >= message.t) return;
      names.set(message.name, { t: message.t, owned: true, warn: message.warn, pass: passes });
      return;
    }
    case 'hold': {
      if (names.get(message.name)?.owned) return;
      const previous = held.get(message.name);
      if (previous && previous.t >= message.t) {
        previous.count++;
        return;
      }
      try {
        const fd = shmOpen(message.name);
        flock(fd, 'shared', { wait: true });
        if (previous) closeFd(previous.fd); // the name now stands for this segment
        held.set(message.name, { fd, t: message.t, count: (previous?.count ?? 0) + 1 });
      } catch {
        // gone already: nothing to hold
      }
      return;
    }
    case 'release': {
      const hold = held.get(message.name);
      if (!hold || --hold.count > 0) return;
      closeFd(hold.fd);
      held.delete(message.name);
      return;
    }
    case 'forget': {
      const latest = names.get(message.name);
      if (!latest || latest.t < message.t) {
        names.set(message.name, { t: message.t, owned: false, warn: false, pass: passes });
      }
      const hold = held.get(message.name);
      if (hold && hold.t < message.t) {
        closeFd(hold.fd);
        held.delete(message.name);
      }
      return;
    }
  }
}

/** Applies each complete line of `bytes`; returns the incomplete rest. */
function handleLines(bytes: Buffer): Buffer {
  let start = 0;
  let newline: number;
  while ((newline = bytes.indexOf(0x0a, start)) >= 0) {
    try {
      handle(JSON.parse(bytes.toString('utf8', start, newline)) as TrackerMessage);
    } catch {
      // a malformed line changes nothing
    }
    start = newline + 1;
  }
  return Buffer.from(bytes.subarray(start));
}

const chunk = Buffer.allocUnsafe(64 * 1024);

/** Reads what the journals gained since the last pass, deletes finished ones, drops old tombstones. */
function readJournals(): void {
  passes++;
  let files: string[];
  try {
    files = readdirSync(dir!).filter((f) => f.startsWith(JOURNAL_PREFIX) && f.endsWith('.log'));
  } catch {
    files = [];
  }
  /** Each writer's latest journal: `stem` → seq. */
  const latest = new Map<string, number>();
  for (const file of files) {
    const { stem, seq } = journalName(file);
    if ((latest.get(stem) ?? -1) < seq) latest.set(stem, seq);
    const journal = journals.get(file) ?? { offset: 0, partial: Buffer.alloc(0) };
    journals.set(file, journal);
    let fd: number;
    try {
      fd = openSync(join(dir!, file), 'r');
    } catch {
      continue;
    }
    try {
      let n: number;
      while ((n = readSync(fd, chunk, 0, chunk.length, journal.offset)) > 0) {
        journal.offset += n;
        journal.partial = handleLines(Buffer.concat([journal.partial, chunk.subarray(0, n)]));
      }
    } finally {
      closeSync(fd);
    }
  }
  const finished = files.filter((file) => {
    const { stem, seq } = journalName(file);
    return seq < latest.get(stem)! && journals.get(file)?.partial.length === 0;
  });
  if (finished.length > 0) {
    // What the finished journals said must outlive them, for a successor.
    const offsets: Record<string, number> = {};
    for (const [file, journal] of journals) offsets[file] = journal.offset - journal.partial.length;
    try {
      saveSnapshot(dir!, names, offsets);
    } catch {
      finished.length = 0; // keep the journals then: a successor reads them whole
    }
  }
  for (const file of finished) {
    try {
      unlinkSync(join(dir!, file));
    } catch {
      // gone already
    }
    journals.delete(file);
  }
  for (const [name, latestEvent] of names) {
    if (!latestEvent.owned && passes - latestEvent.pass >= 2) names.delete(name);
  }
}

function journalName(file: string): { stem: string; seq: number } {
  const dash = file.lastIndexOf('-');
  return { stem: file.slice(0, dash + 1), seq: Number(file.slice(dash + 1, -'.log'.length)) };
}

const journalPass = setInterval(readJournals, kJournalPassMs);

/** Unlinks `name` unless another program uses it; true when it is gone. */
function tryUnlink(name: string): boolean {
  let fd: number;
  try {
    fd = shmOpen(name);
  } catch {
    return true; // already gone
  }
  try {
    if (!flock(fd, 'exclusive')) return false;
    shmUnlink(name);
    return true;
  } catch {
    return true;
  } finally {
    closeFd(fd);
  }
}

/** Pids of the processes that wrote journals here (`j-<pid>-…`). */
function journalWriters(): Set<number> {
  const pids = new Set<number>();
  try {
    for (const file of readdirSync(dir!)) {
      if (file.startsWith(JOURNAL_PREFIX)) pids.add(Number(file.split('-')[1]));
    }
  } catch {
    // no directory: no writers
  }
  return pids;
}

/** Whether `pid` runs (a zombie has ended: only its parent has not reaped it yet). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function endOnceWritersGone(deadline: number): void {
  lingering = undefined;
  if (open > 0) return;
  const alive = [...journalWriters()].some((pid) => pid !== process.pid && running(pid));
  if (alive && Date.now() < deadline) {
    lingering = setTimeout(() => endOnceWritersGone(deadline), kRetryMs);
    return;
  }
  end();
}

function end(): void {
  if (ending) return;
  ending = true;
  clearTimeout(firstConnection);
  clearInterval(journalPass);
  server.close();
  // Every process of the program has exited: the journals are complete.
  readJournals();
  for (const [name, latest] of names) if (latest.owned) owned.set(name, { warn: latest.warn });
  for (const { fd } of held.values()) closeFd(fd);
  held.clear();
  const leaked = [...owned].filter(([, info]) => info.warn).map(([name]) => name);
  if (leaked.length > 0) {
    process.stderr.write(
      `multiproc resource tracker: unlinking ${leaked.length} shared memory segment(s) the program ` +
        `left behind: ${leaked.join(', ')}\n`,
    );
  }
  sweep();
}

function sweep(): void {
  for (const name of [...owned.keys()]) if (tryUnlink(name)) owned.delete(name);
  if (owned.size > 0) {
    setTimeout(sweep, kRetryMs);
    return;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
