// Shared Jest settings. Tests import packages by name and run the built output (`dist/`), the
// same files a user installs, so child processes started by a test run the real bootstrap.
const path = require('node:path');

/** @param {string} packageDir @param {import('jest').Config} [overrides] */
module.exports = function createJestConfig(packageDir, overrides = {}) {
  const pkg = require(path.join(packageDir, 'package.json'));
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript' },
            target: 'es2022',
            keepClassNames: true,
          },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    // A package's own tests import it by name (self-reference), resolved to its CommonJS build.
    moduleNameMapper: {
      [`^${pkg.name.replace('/', '\\/')}$`]: '<rootDir>/dist/index.cjs',
      // Sources import siblings as './x.js' (NodeNext); Jest finds the './x.ts' beside them.
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    testTimeout: 30_000,
    // Every test file runs in its own worker; a leaked child or handle fails loudly instead.
    detectOpenHandles: false,
    forceExit: false,
    ...overrides,
  };
};
