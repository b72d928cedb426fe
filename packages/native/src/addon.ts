/**
 * The addon, loaded on first use, and where it came from.
 */
import type { Binding } from './binding.js';
import { loadAddon, type AddonOrigin } from './load.js';

let loaded: { binding: Binding; origin: AddonOrigin } | undefined;

export function addon(): Binding {
  loaded ??= loadAddon();
  return loaded.binding;
}

/**
 * Loads the addon now (it otherwise loads on first use) and tells where it came from.
 *
 * @example
 * ```ts
 * addonOrigin(); // → { path: '…/prebuilds/linux-x64/…node', kind: 'prebuild' }
 * ```
 */
export function addonOrigin(): AddonOrigin {
  addon();
  return loaded!.origin;
}
