// One test file at a time: tests start real processes and compare /dev/shm before and after.
module.exports = require('../../tooling/jest.cjs').sourceConfig(__dirname, { maxWorkers: 1 });
