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
 *   `LOCK_SH` on each for the program's lifetime, so the creator's tracker does not unlink it
 *   under this program; at the end it just closes them.
 */
import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { closeFd, flock, shmOpen, shmUnlink } from '@multiproc/native';
import type { TrackerMessage } from './tracker/protocol.js';

const kRetryMs = 250;
const kFirstConnectionTimeoutMs = 10_000;

const dir = process.argv[2];
const owned = new Map<string, { warn: boolean }>();
const held = new Map<string, number>();
let open = 0;
let seen = false;
let ending = false;

process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => end());

const server = createServer((socket: Socket) => {
  open++;
  seen = true;
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
    if (--open === 0) end();
  });
});
server.listen({ fd: 3 });

const firstConnection = setTimeout(() => {
  if (!seen) end();
}, kFirstConnectionTimeoutMs);

function handle(message: TrackerMessage): void {
  switch (message.type) {
    case 'hello':
      return;
    case 'own':
      owned.set(message.name, { warn: message.warn });
      return;
    case 'hold': {
      if (owned.has(message.name) || held.has(message.name)) return;
      try {
        const fd = shmOpen(message.name);
        flock(fd, 'shared', { wait: true });
        held.set(message.name, fd);
      } catch {
        // gone already: nothing to hold
      }
      return;
    }
    case 'forget': {
      owned.delete(message.name);
      const fd = held.get(message.name);
      if (fd !== undefined) closeFd(fd);
      held.delete(message.name);
      return;
    }
  }
}

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

function end(): void {
  if (ending) return;
  ending = true;
  clearTimeout(firstConnection);
  server.close();
  for (const fd of held.values()) closeFd(fd);
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
