/**
 * Processes (`csrc/process.cc`): liveness, the parent-death signal, per-process slots.
 */
import { constants } from 'node:os';
import { addon } from './addon.js';
import { invalid, checkInteger } from './checks.js';

/**
 * Whether a process with this pid exists and has not exited (an exited but unreaped zombie
 * counts as dead). A process of another user counts as alive.
 *
 * @example
 * ```ts
 * isProcessAlive(process.pid); // → true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  return addon().isProcessAlive(checkInteger(pid, 'pid', 1, 0x7fffffff));
}

/**
 * Asks the kernel to send `signal` to this process when its parent dies (Linux
 * `prctl(PR_SET_PDEATHSIG)`), so a busy child does not outlive a SIGKILLed parent. Returns
 * `false` where unsupported. Linux counts the parent *thread* that spawned us: spawn from the main
 * thread, not from a worker_thread that may exit first.
 *
 * @example
 * ```ts
 * setParentDeathSignal('SIGKILL');
 * ```
 */
export function setParentDeathSignal(signal: NodeJS.Signals | number): boolean {
  const number = typeof signal === 'string' ? constants.signals[signal] : signal;
  if (number === undefined) throw invalid('signal', 'a signal name or number', signal);
  return addon().setParentDeathSignal(checkInteger(number, 'signal', 1, 64));
}

/**
 * A process-wide value shared by every thread of this process (each worker_thread otherwise has
 * its own globals and its own copy of `process.env`). With `value`, sets the slot only if it is
 * still empty; returns the slot's value after the call, so concurrent threads agree on the first.
 *
 * @example
 * ```ts
 * const winner = processSlot('tracker', `${path}\n${fd}`); // the first thread's value
 * ```
 */
export function processSlot(key: string, value?: string): string | undefined {
  if (typeof key !== 'string') throw invalid('key', 'a string', key);
  if (value !== undefined && typeof value !== 'string') throw invalid('value', 'a string', value);
  return addon().processSlot(key, value);
}
