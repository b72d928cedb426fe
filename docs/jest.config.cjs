module.exports = require('../tooling/jest.cjs').builtConfig(__dirname);
