// One test file at a time: tests compare /dev/shm before and after.
const base = require('../../tooling/jest.cjs')(__dirname);
// Tests import helpers as './helpers.js' (NodeNext style); Jest resolves that to the .ts file.
module.exports = {
  ...base,
  maxWorkers: 1,
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@multiproc\\/shared-memory\\/internal$': '<rootDir>/dist/internal.cjs',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
