/**
 * The started children of this process (or thread) not yet reaped: for `activeChildren()` and for
 * what happens to them when this process ends (`exit.ts`).
 */
import { sharedState } from '#serialize-resolve';

/**
 * What the bookkeeping needs of a child. `Process` has it; declared here so that the modules
 * below `process.ts` need not import it.
 */
export interface Child {
  readonly daemon: boolean;
  readonly exitcode: number | null;
  terminate(): void;
  join(timeout?: number | null): Promise<void>;
}

const state = sharedState<{ children: Set<Child> }>('children', () => ({ children: new Set() }));

/** Live-child bookkeeping. */
export const children = {
  add(p: Child): void {
    state.children.add(p);
  },
  delete(p: Child): void {
    state.children.delete(p);
  },
  all(): Child[] {
    return [...state.children];
  },
  /** The children still running; finished ones are forgotten. */
  reap(): Child[] {
    const alive: Child[] = [];
    for (const p of state.children) {
      if (p.exitcode === null) alive.push(p);
      else state.children.delete(p);
    }
    return alive;
  },
};
