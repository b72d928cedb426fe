// One test file at a time: tests compare /dev/shm before and after.
module.exports = require('../../tooling/jest.cjs').sourceConfig(__dirname, { maxWorkers: 1 });
