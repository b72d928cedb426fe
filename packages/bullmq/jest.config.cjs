module.exports = require('../../tooling/jest.cjs').sourceConfig(__dirname);
