// Where each module of the workspace's packages lives in `src/`, for running the sources
// without a build. Every rule here mirrors a fact of the build (tsup.config.ts): each entry
// `src/<name>.ts` becomes `dist/<name>.js` and `dist/<name>.cjs`, and a package's exports and
// `bin` name only such files. Read once per process from the packages' package.json files.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { dirname, join, resolve, sep } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = resolve(__dirname, '..', '..');
const packagesDir = join(root, 'packages');

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name
 * @property {string} dir
 * @property {Map<string, string>} entries specifier (`@multiproc/x`, `@multiproc/x/internal`) → source file
 * @property {Map<string, string>} imports subpath import (`#serialize`) → its target specifier
 */

/** The built file an export condition tree names, preferring the `require` build. */
function builtTarget(conditions) {
  if (typeof conditions === 'string') return conditions;
  if (!conditions || typeof conditions !== 'object') return undefined;
  for (const key of ['require', 'import', 'default']) {
    const target = builtTarget(conditions[key]);
    if (target) return target;
  }
  return undefined;
}

/** `src/<name>.ts` for a built `dist/<name>.(c|m)js` of the package in `dir`, if it exists. */
function sourceOfBuilt(dir, built) {
  const match = /^(?:\.\/)?dist\/([^/]+)\.(?:c|m)?js$/.exec(built);
  if (!match) return undefined;
  const source = join(dir, 'src', `${match[1]}.ts`);
  return existsSync(source) ? source : undefined;
}

/** @returns {WorkspacePackage[]} */
function readPackages() {
  const out = [];
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(packagesDir, entry.name);
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const entries = new Map();
    for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
      const source = sourceOfBuilt(dir, builtTarget(conditions) ?? '');
      if (source)
        entries.set(
          subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`,
          source,
        );
    }
    const imports = new Map();
    for (const [key, target] of Object.entries(manifest.imports ?? {})) {
      const specifier = builtTarget(target);
      if (specifier) imports.set(key, specifier);
    }
    out.push({ name: manifest.name, dir, entries, imports });
  }
  return out;
}

const packages = readPackages();
/** Every package's entries by specifier. */
const entries = new Map(packages.flatMap((p) => [...p.entries]));

/** The workspace package whose folder holds `file`, if any. */
function packageOf(file) {
  return packages.find((p) => file.startsWith(p.dir + sep));
}

/**
 * The source file for a specifier as the package `parent` lies in would resolve it: a workspace
 * package by name (`@multiproc/process`, `multiproc`, `@multiproc/process/internal`) or a
 * subpath import (`#serialize`) of the parent's package that names one.
 */
function sourceOfSpecifier(specifier, parent) {
  const direct = entries.get(specifier);
  if (direct) return direct;
  if (specifier.startsWith('#') && parent) {
    const target = packageOf(parent)?.imports.get(specifier);
    if (target) return entries.get(target);
  }
  return undefined;
}

/**
 * The source file that stands for `file` (absolute) when the packages run from source:
 * - a built file, `packages/<p>/dist/<name>.(c|m)js`, stands for `src/<name>.ts`;
 * - under `src/`, a missing `<name>.(c|m)js` stands for `<name>.ts` beside it (sources import
 *   each other as `./x.js`, NodeNext style), else for the entry `src/<name>.ts`: a source that
 *   names a sibling bundle of the build (`new URL('./worker.cjs', import.meta.url)`) means that
 *   entry, which the build puts beside every bundle in `dist/`.
 * Undefined for anything else, and for a file that exists as named.
 */
function sourceOfPath(file) {
  const pkg = packageOf(file);
  if (!pkg) return undefined;
  const inPackage = file.slice(pkg.dir.length + 1).split(sep);
  const match = /^(.+)\.(?:c|m)?js$/.exec(inPackage[inPackage.length - 1] ?? '');
  if (!match) return undefined;
  if (inPackage[0] === 'dist' && inPackage.length === 2) {
    return sourceOfBuilt(pkg.dir, `dist/${inPackage[1]}`);
  }
  if (inPackage[0] !== 'src' || existsSync(file)) return undefined;
  const beside = join(dirname(file), `${match[1]}.ts`);
  if (existsSync(beside)) return beside;
  const entry = join(pkg.dir, 'src', `${match[1]}.ts`);
  return existsSync(entry) ? entry : undefined;
}

/**
 * The URL that `import.meta.url` has in `file` once built: that of the bundle it is built into.
 * Sources use it as their package's identity (a type registered with `module: import.meta.url`
 * is loaded from there by a process that lacks it, and must find the whole package there) and
 * as the base of files beside the bundles (`new URL('./worker.cjs', import.meta.url)`). The
 * package's main entry, `src/index.ts`, stands for every bundle: they all lie in `dist/`, and it
 * loads everything. Undefined for a file outside the packages' `src/`.
 */
function bundleUrlOf(file) {
  const pkg = packageOf(file);
  if (!pkg || !file.startsWith(join(pkg.dir, 'src') + sep)) return undefined;
  const main = join(pkg.dir, 'src', 'index.ts');
  return pathToFileURL(existsSync(main) ? main : file).href;
}

/** Whether `file` lies in this workspace (and not, say, in a copy of a package elsewhere). */
function inWorkspace(file) {
  return typeof file === 'string' && file.startsWith(root + sep);
}

module.exports = {
  root,
  bundleUrlOf,
  packages,
  entries,
  inWorkspace,
  packageOf,
  sourceOfPath,
  sourceOfSpecifier,
};
