// Jest's transform for the packages' sources: the source loader's compile (compile.cjs), so a
// test and the processes it starts run the same output, `import.meta.url` included.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { compileSource } = require('./compile.cjs');

// The loader's own files: a change to how sources compile invalidates Jest's cache too.
const loaderVersion = ['compile.cjs', 'workspace.cjs', 'jest-transform.cjs']
  .map((file) => readFileSync(join(__dirname, file), 'utf8'))
  .join('\0');

/** @type {import('@jest/transform').SyncTransformer} */
module.exports = {
  process(source, filename) {
    return { code: compileSource(source, filename, 'commonjs', true) };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(loaderVersion).update(filename).update(source).digest('hex');
  },
};
