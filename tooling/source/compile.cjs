// TypeScript to JavaScript with swc, for the source loader and for Jest alike, so a test process
// and the children it starts run the same output of the same file.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { bundleUrlOf } = require('./workspace.cjs');

/**
 * swc's options for `.ts` to `commonjs` or `module` output. `ignoreDynamic` keeps `import()` an
 * import, as the build does: the sources use it to load ES modules that `require()` cannot.
 * @param {'commonjs' | 'module'} format
 */
function swcOptions(format) {
  return {
    jsc: {
      parser: { syntax: 'typescript' },
      target: 'es2022',
      keepClassNames: true,
    },
    module: format === 'commonjs' ? { type: 'commonjs', ignoreDynamic: true } : { type: 'es6' },
    sourceMaps: 'inline',
  };
}

// A child process compiles only what changed since any process last compiled it: loading swc
// alone takes longer than starting the child, and a test run starts hundreds of children. The
// cache lives in the workspace, not the temp folder: tests check what a program leaves there.
const cacheDir = join(__dirname, '..', '..', 'node_modules', '.cache', 'multiproc-source');
const swcVersion = require('@swc/core/package.json').version;

/** @type {typeof import('@swc/core') | undefined} */
let swc;

/**
 * The JavaScript for the TypeScript `source` of `filename`, from the cache when this exact
 * source was compiled before. In a package's sources `import.meta.url` reads as in the build
 * (workspace.cjs, `bundleUrlOf`).
 * @param {string} source
 * @param {string} filename
 * @param {'commonjs' | 'module'} format
 */
function compile(source, filename, format) {
  const bundleUrl = bundleUrlOf(filename);
  if (bundleUrl) source = source.replaceAll('import.meta.url', JSON.stringify(bundleUrl));
  const key = createHash('sha256')
    .update(`${swcVersion}\0${JSON.stringify(swcOptions(format))}\0${filename}\0`)
    .update(source)
    .digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not compiled yet.
  }
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(source, { ...swcOptions(format), filename });
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

module.exports = { compile, swcOptions };
