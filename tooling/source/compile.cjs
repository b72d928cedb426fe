// TypeScript to JavaScript with swc, for the source loader and for Jest alike, so a test process
// and the children it starts run the same output of the same file.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

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
// alone takes longer than starting the child (measured in CONTRIBUTING.md), and a test run
// starts hundreds of children.
const cacheDir = join(tmpdir(), `multiproc-source-${process.getuid?.() ?? 'user'}`);
const swcVersion = require('@swc/core/package.json').version;

/** @type {typeof import('@swc/core') | undefined} */
let swc;
/** @type {boolean | undefined} */
let cacheUsable;

/** Whether the cache folder is ours alone: code read from it runs. */
function cacheIsOurs() {
  if (cacheUsable !== undefined) return cacheUsable;
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const { uid, mode } = statSync(cacheDir);
    cacheUsable = (process.getuid === undefined || uid === process.getuid()) && (mode & 0o022) === 0;
  } catch {
    cacheUsable = false;
  }
  return cacheUsable;
}

/**
 * The JavaScript for the TypeScript `source` of `filename`, from the cache when this exact
 * source was compiled before.
 * @param {string} source
 * @param {string} filename
 * @param {'commonjs' | 'module'} format
 */
function compile(source, filename, format) {
  const key = createHash('sha256')
    .update(`${swcVersion}\0${format}\0${filename}\0`)
    .update(source)
    .digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  const useCache = cacheIsOurs();
  if (useCache) {
    try {
      return readFileSync(cached, 'utf8');
    } catch {
      // Not compiled yet.
    }
  }
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(source, { ...swcOptions(format), filename });
  if (!useCache) return code;
  try {
    // Written whole under another name first: a process reading the cache never sees half.
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  } catch {
    // A read-only or full temp folder costs speed only.
  }
  return code;
}

module.exports = { compile, swcOptions };
