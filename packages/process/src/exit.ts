/**
 * What happens to children when their parent ends.
 *
 * Non-daemon children hold the parent's event loop open, so a parent that runs to its natural
 * end has joined them. Daemon children do not; they are terminated when the parent exits.
 * `process.exit()` does not wait: the children then end with their parent, as when the parent
 * is killed (each child watches its control channel and exits when the parent is gone).
 */
import { sharedState } from '#serialize-resolve';
import { children } from './children.js';

const state = sharedState<{ installed: boolean }>('exitHandler', () => ({ installed: false }));

/** @internal Installs the exit handler once per process (or thread). */
export function installExitHandler(): void {
  if (state.installed) return;
  state.installed = true;
  process.once('exit', () => {
    for (const child of children.all()) {
      if (child.exitcode !== null) continue;
      try {
        if (child.daemon) child.terminate();
      } catch {
        // Already closed.
      }
    }
  });
}

/** @internal Joins non-daemon children and terminates daemon ones (a child finishing its target). */
export async function settleChildren(): Promise<void> {
  const all = children.all();
  for (const child of all) if (child.daemon && child.exitcode === null) child.terminate();
  await Promise.all(all.filter((c) => !c.daemon).map((c) => c.join().catch(() => undefined)));
}
