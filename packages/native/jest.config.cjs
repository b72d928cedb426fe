// One test file at a time: the futex tests measure timing and count wake-ups across processes.
const base = require('../../tooling/jest.cjs')(__dirname);
// Tests import helpers as './helpers.js' (NodeNext style); Jest resolves that to the .ts file.
module.exports = {
  ...base,
  maxWorkers: 1,
  moduleNameMapper: { ...base.moduleNameMapper, '^(\\.{1,2}/.*)\\.js$': '$1' },
};
