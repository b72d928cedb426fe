/**
 * Keeping CPUs warm (`csrc/warm.cc`): the spin setting and `keepWarm`.
 */
import { addon } from './addon.js';
import { checkInteger } from './checks.js';

function readSpinSetting(): number {
  const raw = process.env['MULTIPROC_SPIN_US'];
  if (raw === undefined || raw === '') return 50;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw new RangeError(
      `MULTIPROC_SPIN_US must be an integer number of microseconds from 0 to 1000000, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * How long, in microseconds, multiproc busy-waits before it lets a waiting thread sleep: the
 * spin of `recvSync()`, the {@link keepWarm} window of async waits, and (times 4 and 20) how long
 * a local manager's client and server watch their shared-memory lane. 50 by default (the figure
 * Linux documents for socket busy polling); set the environment variable `MULTIPROC_SPIN_US`
 * (0 turns spinning off) before the process starts. Children inherit it with the environment.
 *
 * @example
 * ```ts
 * readWait(fd, buf, 0, buf.length, spinMicros);
 * ```
 */
export const spinMicros: number = readSpinSetting();

/**
 * Keeps this process's CPUs from going idle for the next `micros` microseconds (default
 * {@link spinMicros}), so that a reply arriving meanwhile wakes its reader without the cost of
 * an idle CPU's wake-up (25-40 µs on a VM, most of a small message's round trip).
 *
 * An event loop that awaits a reply cannot spin itself, so one helper thread per process spins
 * for it at nice 19: against a normal thread it gets ~1.5% of a CPU, and a woken thread
 * preempts it at once. Call it just before awaiting something another process will answer
 * soon; calls extend one shared deadline, after which the thread sleeps until the next call.
 *
 * @example
 * ```ts
 * keepWarm(); // the reply to what we just sent is expected within ~50 µs
 * const reply = await conn.recv();
 * ```
 */
export function keepWarm(micros: number = spinMicros): void {
  if (micros === 0) return;
  // The default (every receive and dispatch passes it) was checked when the module loaded.
  if (micros !== spinMicros) checkInteger(micros, 'micros', 0, 1_000_000);
  addon().keepWarm(micros);
}

/**
 * Lets another thread that is ready to run on this CPU go first (`sched_yield`), and returns
 * when the scheduler comes back to this one: at once when nothing else waits. For a thread that
 * busy-waits on shared memory for another process: on a machine with fewer CPUs than busy
 * threads, that process may be the one waiting for this CPU.
 *
 * @example
 * ```ts
 * while (Atomics.load(word, 0) === 0) yieldCpu();
 * ```
 */
export function yieldCpu(): void {
  addon().yieldCpu();
}
