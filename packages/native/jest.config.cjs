// One test file at a time: the futex tests measure timing and count wake-ups across processes.
module.exports = require('../../tooling/jest.cjs').sourceConfig(__dirname, { maxWorkers: 1 });
