// One test file at a time: tests start real processes and compare /dev/shm before and after.
const base = require('../../tooling/jest.cjs')(__dirname);
module.exports = { ...base, maxWorkers: 1 };
