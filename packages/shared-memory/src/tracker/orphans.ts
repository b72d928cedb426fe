/**
 * Adopting orphaned tracker directories. A program whose tracker was SIGKILLed starts a
 * successor when one of its processes next probes (see `client.ts`); if the whole program was
 * SIGKILLed before any probe ran, nobody did, and its directory, journals and segments stay
 * behind. So every fresh tracker looks, once at start, for sibling directories whose tracker is
 * dead and that no successor serves, and starts an orphan-mode successor in each: it takes over the
 * journals as any successor does, and ends at once if no process that wrote them still runs.
 *
 * The checks follow the program's own takeover (`takeOver` in `client.ts`), under the same
 * `takeover.lock`, so a program that is alive after all and a sweeper never both start one.
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { closeFd, flock, unixListen } from '@multiproc/native';
import { ALIVE_FILE, TAKEOVER_LOCK_FILE, TRACKER_DIR_PREFIX, TRACKER_SOCKET } from './protocol.js';

const kStartGraceMs = 60_000;

/** Starts an orphan-mode successor (`script dir orphan`) for every orphaned sibling of `ownDir`. */
export function adoptOrphans(ownDir: string, script: string): number {
  const parent = dirname(ownDir);
  let adopted = 0;
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.startsWith(TRACKER_DIR_PREFIX) || entry === basename(ownDir)) continue;
    try {
      if (adopt(join(parent, entry), script)) adopted++;
    } catch {
      // another user's directory, or one that vanished meanwhile
    }
  }
  return adopted;
}

function adopt(dir: string, script: string): boolean {
  if (!trackerDead(dir)) return false;
  const lockFd = openSync(join(dir, TAKEOVER_LOCK_FILE), 'a', 0o600);
  try {
    // A process of that program is taking over right now: it needs no help.
    if (!flock(lockFd, 'exclusive')) return false;
    const path = join(dir, TRACKER_SOCKET);
    if (listening(path)) return false; // a successor serves it already
    rmSync(path, { force: true });
    const listenFd = unixListen(path);
    try {
      spawn(process.execPath, [script, dir, 'orphan'], {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore', listenFd],
      }).unref();
    } finally {
      closeFd(listenFd);
    }
    return true;
  } finally {
    closeSync(lockFd);
  }
}

/**
 * Whether no tracker holds `dir`'s `alive` file. A directory without one belongs to a program
 * whose tracker has not started yet, which is left alone for `kStartGraceMs`; a tracker that has
 * not started by then never will (it was killed on its way up).
 */
function trackerDead(dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(join(dir, ALIVE_FILE), 'r');
  } catch {
    return Date.now() - statSync(join(dir, TRACKER_SOCKET)).mtimeMs > kStartGraceMs;
  }
  try {
    if (!flock(fd, 'shared')) return false;
    flock(fd, 'unlock');
    return true;
  } finally {
    closeSync(fd);
  }
}

/** `__SO_ACCEPTCON` in `/proc/net/unix`'s flags: the socket listens. */
const kAcceptCon = 0x10000;

/**
 * Whether a socket listens at `path`. Read from `/proc/net/unix` rather than by connecting: a
 * connection that opens and closes would count, for a successor, as its program reconnecting.
 */
function listening(path: string): boolean {
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[7] === path && (parseInt(fields[3] ?? '0', 16) & kAcceptCon) !== 0) return true;
  }
  return false;
}
