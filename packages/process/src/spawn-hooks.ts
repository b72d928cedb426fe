/**
 * Spawn hooks: what other packages add to every `spawn` child (the resource tracker of
 * `@multiproc/shared-memory` passes its connection this way). Kept in `sharedState`, so a hook
 * registered through either build of this package reaches every launcher.
 */
import { sharedState } from '#serialize-resolve';

/** What a spawn hook adds to a child: a descriptor for its stdio array, and environment. */
export interface SpawnAddition {
  /** Placed at the stdio index the hook was given. */
  fd: number;
  /** Variables added to the child's environment. */
  env: Readonly<Record<string, string>>;
}

/** A function every `spawn` start consults, given the stdio index its descriptor would take. */
export type SpawnHook = (stdioIndex: number) => SpawnAddition | undefined;

const state = sharedState<{ hooks: SpawnHook[] }>('spawnHooks', () => ({ hooks: [] }));

/**
 * Registers a spawn hook (once per hook).
 *
 * @example
 * ```ts
 * onSpawn((index) => (connected ? { fd: connectionFd, env: { MY_FD: String(index) } } : undefined));
 * ```
 */
export function onSpawn(hook: SpawnHook): void {
  if (!state.hooks.includes(hook)) state.hooks.push(hook);
}

/** The registered hooks, in registration order. */
export function spawnHooks(): readonly SpawnHook[] {
  return state.hooks;
}
