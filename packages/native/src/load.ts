/**
 * Finds and loads the compiled addon. Tries, in order: the file named by
 * `MULTIPROC_NATIVE_ADDON` (when set, nothing else), the prebuilt binary shipped in `prebuilds/`
 * for this platform, architecture and Node ABI, then a local build in `build/Release` and
 * `build/Debug`. When all fail, throws one error that lists every attempt, why it failed, and
 * what to do.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Binding } from './binding.js';
import { MultiprocError, brandErrorClass } from './errors.js';

const require = createRequire(import.meta.url);
const kAddonFile = 'multiproc_native.node';

/** The package root: `dist/` sits directly below it. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where the loaded addon came from.
 *
 * @example
 * ```ts
 * const { kind }: AddonOrigin = addonOrigin(); // 'prebuild' | 'build' | 'env'
 * ```
 */
export interface AddonOrigin {
  /** The `.node` file that was loaded. */
  readonly path: string;
  /** `'prebuild'` (shipped in the package), `'build'` (compiled here) or `'env'` (`MULTIPROC_NATIVE_ADDON`). */
  readonly kind: 'prebuild' | 'build' | 'env';
}

interface Attempt {
  where: string;
  why: string;
}

/**
 * The addon could not be loaded. `attempts` lists each place tried and why it failed; the message
 * says what to do.
 *
 * @example
 * ```ts
 * try { addonOrigin() } catch (e) { if (e instanceof NativeLoadError) console.error(e.attempts) }
 * ```
 */
export class NativeLoadError extends MultiprocError {
  /** Every place the addon was looked for, and why each failed. */
  readonly attempts: readonly Attempt[];

  constructor(message: string, attempts: readonly Attempt[]) {
    super(message, 'ERR_MP_NATIVE_LOAD');
    this.attempts = attempts;
  }
}
brandErrorClass(NativeLoadError, 'NativeLoadError');

interface NodeGypBuild {
  parseTuple: (name: string) => { name: string } | undefined;
  matchTuple: (platform: string, arch: string) => (tuple: unknown) => boolean;
  compareTuples: (a: unknown, b: unknown) => number;
  parseTags: (file: string) => { file: string } | undefined;
  matchTags: (runtime: string, abi: string) => (tags: unknown) => boolean;
  compareTags: (runtime: string) => (a: unknown, b: unknown) => number;
}

/** The prebuild matching this Node, chosen by node-gyp-build's own rules. */
function findPrebuild(attempts: Attempt[]): string | undefined {
  const dir = join(packageRoot, 'prebuilds');
  const gypBuild = require('node-gyp-build') as NodeGypBuild;
  let tuples: string[];
  try {
    tuples = readdirSync(dir);
  } catch {
    attempts.push({ where: dir, why: 'the package ships no prebuilds/ folder' });
    return undefined;
  }
  const tuple = tuples
    .map((name) => gypBuild.parseTuple(name))
    .filter((t) => t !== undefined)
    .filter(gypBuild.matchTuple(platform(), arch()))
    .sort(gypBuild.compareTuples)[0];
  if (!tuple) {
    attempts.push({
      where: dir,
      why: `no prebuild for ${platform()}-${arch()} (shipped: ${tuples.join(', ') || 'none'})`,
    });
    return undefined;
  }
  const folder = join(dir, tuple.name);
  const files = readdirSync(folder);
  const winner = files
    .map((file) => gypBuild.parseTags(file))
    .filter((t) => t !== undefined)
    .filter(gypBuild.matchTags('node', process.versions.modules))
    .sort(gypBuild.compareTags('node'))[0];
  if (!winner) {
    attempts.push({
      where: folder,
      why: `no prebuild for Node ABI ${process.versions.modules} (Node ${process.versions.node}); shipped: ${files.join(', ')}`,
    });
    return undefined;
  }
  return join(folder, winner.file);
}

/**
 * An addon of this package that this process has loaded already: a child's bootstrap loads the
 * one its parent uses, by path, for its parent-death signal. Taking it spares every child the
 * search and node-gyp-build's code (~0.25 MiB of an idle pool worker's RSS, measured).
 */
function loadedAlready(): { binding: Binding; origin: AddonOrigin } | undefined {
  const places = [
    [join(packageRoot, 'prebuilds') + sep, 'prebuild'],
    [join(packageRoot, 'build') + sep, 'build'],
  ] as const;
  for (const [path, module] of Object.entries(require.cache)) {
    if (!path.endsWith('.node') || !module?.loaded) continue;
    const place = places.find(([folder]) => path.startsWith(folder));
    if (place) return { binding: module.exports as Binding, origin: { path, kind: place[1] } };
  }
  return undefined;
}

function tryLoad(path: string, attempts: Attempt[]): Binding | undefined {
  try {
    return require(path) as Binding;
  } catch (error) {
    attempts.push({ where: path, why: (error as Error).message.split('\n')[0] ?? String(error) });
    return undefined;
  }
}

/** Loads the addon or throws a `NativeLoadError` that explains every failed attempt. */
export function loadAddon(): { binding: Binding; origin: AddonOrigin } {
  if (platform() === 'win32') {
    throw new NativeLoadError(
      '@multiproc/native does not support Windows yet: multiproc needs POSIX shared memory and ' +
        'futexes. Run it under WSL2 (Linux), on Linux or on macOS.',
      [],
    );
  }
  const attempts: Attempt[] = [];
  const explicit = process.env.MULTIPROC_NATIVE_ADDON;
  if (explicit) {
    const binding = tryLoad(explicit, attempts);
    if (binding) return { binding, origin: { path: explicit, kind: 'env' } };
    throw failure(attempts, 'MULTIPROC_NATIVE_ADDON names a file that does not load; unset it');
  }
  const early = loadedAlready();
  if (early) return early;
  const prebuild = findPrebuild(attempts);
  if (prebuild) {
    const binding = tryLoad(prebuild, attempts);
    if (binding) return { binding, origin: { path: prebuild, kind: 'prebuild' } };
  }
  for (const folder of ['Release', 'Debug']) {
    const path = join(packageRoot, 'build', folder, kAddonFile);
    if (!existsSync(path)) {
      attempts.push({ where: path, why: 'not built' });
      continue;
    }
    const binding = tryLoad(path, attempts);
    if (binding) return { binding, origin: { path, kind: 'build' } };
  }
  throw failure(
    attempts,
    'compile it for this machine: install a C++ compiler, make and python3, then run ' +
      '`npm rebuild @multiproc/native` (or `pnpm rebuild @multiproc/native`); the build needs ' +
      "Node's headers, found through npm's `nodedir` setting or next to the node binary",
  );
}

function failure(attempts: readonly Attempt[], fix: string): NativeLoadError {
  const lines = attempts.map((a, i) => `  ${i + 1}. ${a.where}\n     ${a.why}`).join('\n');
  return new NativeLoadError(
    `@multiproc/native could not load its compiled addon for ${platform()}-${arch()}, ` +
      `Node ${process.versions.node} (ABI ${process.versions.modules}). Tried:\n${lines}\n` +
      `To fix: ${fix}.`,
    attempts,
  );
}
