// The harness is ESM-only, so its tests import the TypeScript sources (compiled by @swc/jest)
// and run the built CLI (`dist/cli.js`) as a child process, the way `pnpm bench` does.
module.exports = require('../tooling/jest.cjs').builtConfig(__dirname, {
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60_000,
});
