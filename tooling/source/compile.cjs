// TypeScript to JavaScript with swc, for the source loader and for Jest alike, so a test process
// and the children it starts run the same output of the same file.
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { bundleUrlOf } = require('./workspace.cjs');

/**
 * swc's options for `.ts` to `commonjs` or `module` output. `ignoreDynamic` keeps `import()` an
 * import, as the build does: the sources use it to load ES modules that `require()` cannot.
 * @param {'commonjs' | 'module'} format
 * @param {boolean} sourceMaps inline source maps (Jest reads them; Node only with a flag)
 */
function swcOptions(format, sourceMaps) {
  return {
    jsc: {
      parser: { syntax: 'typescript' },
      target: 'es2022',
      keepClassNames: true,
    },
    module: format === 'commonjs' ? { type: 'commonjs', ignoreDynamic: true } : { type: 'es6' },
    sourceMaps: sourceMaps ? 'inline' : false,
  };
}

/** @type {typeof import('@swc/core') | undefined} */
let swc;

/**
 * The JavaScript for the TypeScript `source` of `filename`. In a package's sources
 * `import.meta.url` reads as in the build (workspace.cjs, `bundleUrlOf`).
 * @param {string} source
 * @param {string} filename
 * @param {'commonjs' | 'module'} format
 * @param {boolean} sourceMaps
 */
function compileSource(source, filename, format, sourceMaps) {
  const bundleUrl = bundleUrlOf(filename);
  if (bundleUrl) source = source.replaceAll('import.meta.url', JSON.stringify(bundleUrl));
  swc ??= require('@swc/core');
  return swc.transformSync(source, { ...swcOptions(format, sourceMaps), filename }).code;
}

// A process compiles only what changed since any process last compiled it: loading swc alone
// takes longer than starting a child, and a test run starts hundreds of children. An entry is
// named by the file's path, size and modification time, so a hit costs one stat and one read;
// the folder by swc's version and this loader's, so a change to either starts afresh. It lives
// in the workspace, not the temp folder: tests check what a program leaves there.
const cacheDir = join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '.cache',
  'multiproc-source',
  [
    require('@swc/core/package.json').version,
    statSync(__filename).mtimeMs,
    statSync(join(__dirname, 'workspace.cjs')).mtimeMs,
  ].join('-'),
);

/**
 * The JavaScript for the TypeScript file `filename` (no source maps), from the cache when this
 * version of the file was compiled before.
 * @param {string} filename
 * @param {'commonjs' | 'module'} format
 */
function compileFile(filename, format) {
  const { size, mtimeMs } = statSync(filename);
  const name = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  const cached = join(cacheDir, `${format}-${size}-${mtimeMs}-${name}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not compiled yet.
  }
  const code = compileSource(readFileSync(filename, 'utf8'), filename, format, false);
  try {
    mkdirSync(cacheDir, { recursive: true });
    // Written whole under another name first: a process reading the cache never sees half.
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  } catch {
    // A read-only or full disk costs speed only.
  }
  return code;
}

module.exports = { compileFile, compileSource, swcOptions };
