// The source loader: runs the workspace's packages from `src/` in any Node process, with no
// build. Preloaded with `--require` (the Jest configs of the packages put it in NODE_OPTIONS, so
// every process a test starts, and every thread of those, loads it first). See CONTRIBUTING.md.
//
// CommonJS (the child bootstrap, the packages' own `require`s, fixtures):
//   `@multiproc/x`, `#imports` and `packages/x/dist/<name>.cjs` resolve to `packages/x/src/<name>.ts`,
//   compiled by swc to CommonJS.
// ES modules (`.mjs` programs, `import()`): the same through hooks.mjs, registered when the main
//   script is an ES module, or on the first `require()` of an ES module. That `require()` then
//   fails with ERR_REQUIRE_ESM, as on Node < 20.19: Node 20 loads an ES module that `require()`
//   reaches without the hooks, so its imports would reach `dist/`; multiproc answers that error
//   with `import()`, which runs them.
const Module = require('node:module');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, extname, isAbsolute, join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');
const { isMainThread } = require('node:worker_threads');

const kInstalled = Symbol.for('multiproc.sourceLoader');

/** The `type` of the package scope that holds `file`. */
function packageType(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type ?? 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (dirname(dir) === dir) return 'commonjs';
  }
}

function isEsModuleFile(file) {
  const ext = extname(file);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.js' || ext === '.ts') return packageType(file) === 'module';
  return false;
}

function install() {
  const { compileFile } = require('./compile.cjs');
  const { inWorkspace, sourceOfPath, sourceOfSpecifier } = require('./workspace.cjs');

  let hooksRegistered = false;
  const registerHooks = () => {
    if (hooksRegistered) return;
    hooksRegistered = true;
    Module.register(pathToFileURL(join(__dirname, 'hooks.mjs')));
  };

  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    const parentFile = parent?.filename ?? undefined;
    // By name from inside the workspace: as Node would resolve it, through node_modules/ to the
    // package's dist/ (which need not exist yet), then to its source; without the detour.
    const entry = inWorkspace(parentFile) && sourceOfSpecifier(request, parentFile);
    if (entry) return entry;
    if (isAbsolute(request) || /^\.{1,2}(\/|$)/.test(request)) {
      const base = parentFile ? dirname(parentFile) : process.cwd();
      const named = sourceOfPath(resolve(base, request));
      if (named) return named;
    }
    const resolved = resolveFilename.call(this, request, parent, isMain, options);
    return sourceOfPath(resolved) ?? resolved;
  };

  Module._extensions['.ts'] = function (module, filename) {
    module._compile(compileFile(filename, 'commonjs'), filename);
  };

  const main = isMainThread ? process.argv[1] : undefined;
  Module._extensions['.mjs'] = function (module, filename) {
    // The main script already ran as an ES module: Node returns its namespace, loading nothing.
    if (filename === main) return Module._extensions['.js'](module, filename);
    registerHooks();
    const error = new Error(
      `${filename} is an ES module: the source loader (tooling/source) loads it with import()`,
    );
    error.code = 'ERR_REQUIRE_ESM';
    throw error;
  };

  if (main && isEsModuleFile(main)) registerHooks();
}

if (!globalThis[kInstalled]) {
  Object.defineProperty(globalThis, kInstalled, { value: true });
  install();
}
