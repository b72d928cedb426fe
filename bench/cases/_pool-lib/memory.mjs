// Memory of processes, read from /proc (Linux).
import { readFileSync, readdirSync } from 'node:fs';

/** A `/proc/<pid>/<file>` field in kB, as MiB; NaN if it cannot be read. */
function field(pid, file, name) {
  try {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/${file}`, 'utf8'),
    );
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** VmRSS in MiB. */
export const rssOf = (pid) => field(pid, 'status', 'VmRSS');
/** Pss in MiB. */
export const pssOf = (pid) => field(pid, 'smaps_rollup', 'Pss');

/** The pids whose parent is `pid`. */
export function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
