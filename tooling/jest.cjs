// Shared Jest settings, two ways to run (CONTRIBUTING.md, "Tests run the sources"):
// - `sourceConfig`: the packages' own tests. The packages run from `src/`, in the test and in
//   every process and thread it starts, so a test sees an edit at once, with no build.
// - `builtConfig`: the suites that check what a user installs (examples, docs, bench) run the
//   built `dist/`, as a user's program does.
const path = require('node:path');
const { swcOptions } = require('./source/compile.cjs');
const { entries, packages } = require('./source/workspace.cjs');

const loader = path.join(__dirname, 'source', 'register.cjs');
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const sourceFile = `[/\\\\]packages[/\\\\][^/\\\\]+[/\\\\]src[/\\\\].+\\.ts$`;

/** @param {string} packageDir @param {import('jest').Config} overrides */
function baseConfig(packageDir, overrides) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', { ...swcOptions('commonjs', true), module: { type: 'commonjs' } }],
    },
    moduleNameMapper: {
      // Sources and tests import siblings as './x.js' (NodeNext); Jest finds './x.ts' beside them.
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    testTimeout: 30_000,
    // Every test file runs in its own worker; a leaked child or handle fails loudly instead.
    detectOpenHandles: false,
    forceExit: false,
    ...overrides,
  };
}

/**
 * Jest settings for a suite of the built output: packages resolve as a user's program resolves
 * them, to `dist/` (Node's resolution of the package's exports).
 * @param {string} packageDir @param {import('jest').Config} [overrides]
 */
function builtConfig(packageDir, overrides = {}) {
  return baseConfig(packageDir, overrides);
}

/** Whether this process already runs the source loader (started with it in NODE_OPTIONS). */
const loaderHere = () => Boolean(globalThis[Symbol.for('multiproc.sourceLoader')]);

/**
 * Jest settings for a package's own tests, run against the sources of every workspace package.
 * @param {string} packageDir @param {import('jest').Config} [overrides]
 */
function sourceConfig(packageDir, overrides = {}) {
  // Every process a test starts, and theirs, loads the packages from src/ too.
  const option = `--require=${loader.includes(' ') ? JSON.stringify(loader) : loader}`;
  const current = process.env['NODE_OPTIONS'] ?? '';
  if (!current.includes(option)) process.env['NODE_OPTIONS'] = `${current} ${option}`.trim();
  const inBand = process.argv.some((arg) => /^(-i|--runInBand|--detectOpenHandles)$/.test(arg));
  if (inBand && !loaderHere()) {
    throw new Error(
      'jest --runInBand/--detectOpenHandles runs tests in this process, whose worker threads ' +
        'would load dist/: start it with the source loader, ' +
        `NODE_OPTIONS=${option} npx jest -i (CONTRIBUTING.md)`,
    );
  }
  const base = baseConfig(packageDir, overrides);
  const mapped = {};
  for (const [specifier, file] of entries) mapped[`^${escape(specifier)}$`] = file;
  for (const pkg of packages) {
    for (const [key, target] of pkg.imports) {
      if (entries.has(target)) mapped[`^${escape(key)}$`] = entries.get(target);
    }
  }
  return {
    ...base,
    transform: {
      // As the source loader compiles them for the processes a test starts.
      [sourceFile]: path.join(__dirname, 'source', 'jest-transform.cjs'),
      ...base.transform,
    },
    moduleNameMapper: { ...mapped, ...base.moduleNameMapper },
    // Keeps the tests out of Jest's own process (Jest runs in band when there is one test file
    // or one worker otherwise): that process was started without the source loader, so the
    // worker threads a test starts there would load dist/. A worker process starts with it.
    ...(loaderHere() ? {} : { workerIdleMemoryLimit: '4GB' }),
  };
}

module.exports = { builtConfig, sourceConfig };
