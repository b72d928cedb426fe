/**
 * Who holds a lock: the calling thread's owner token, and whether a token's thread still lives.
 *
 * On Linux the token is the kernel thread id (`gettid()`, read from `/proc/thread-self`): unique
 * among the live threads of the whole machine, so it tells apart the threads of one process (each
 * `worker_threads` worker runs on a thread of its own) as well as processes (a main thread's id is
 * its pid). `kill(tid, 0)` answers for a thread id as for a pid, and a thread that ends — a
 * `thread`-context worker that exits or is terminated while the process lives on — leaves its id
 * dead at once, so `isProcessAlive(token)` is also a per-thread liveness check. Thread ids fit in
 * 22 bits (`pid_max` is at most 2^22), which leaves the top bits of a state word for flags.
 *
 * Elsewhere (macOS, or Linux without `/proc`) the token is the pid, with the worker's
 * `threadId` in bits 22-29 so that threads of one process still differ; liveness then checks
 * only the pid: a dead worker thread of a living process is not detected there.
 */
import { readlinkSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { isProcessAlive } from '@multiproc/native';

/** Bits of a state word that hold an owner token. */
export const kTokenMask = 0x3fffffff;
const kPidBits = 0x3fffff;

function kernelThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/')[2]);
    return Number.isInteger(tid) && tid > 0 && tid <= kPidBits ? tid : undefined;
  } catch {
    return threadId === 0 && process.pid <= kPidBits ? process.pid : undefined;
  }
}

const tid = kernelThreadId();

/** Whether tokens are kernel thread ids (so dead threads of live processes are detected). */
export const threadTokens = tid !== undefined;

/** The calling thread's owner token: never 0, never above {@link kTokenMask}. */
export const selfToken: number =
  tid ?? ((((threadId & 0xff) << 22) | (process.pid & kPidBits)) & kTokenMask || 1);

/** Whether the thread (or, without thread tokens, the process) behind `token` still runs. */
export function isOwnerAlive(token: number): boolean {
  if (token === selfToken) return true;
  const id = threadTokens ? token : token & kPidBits;
  return id > 0 && isProcessAlive(id);
}
