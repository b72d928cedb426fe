// Rebuilds the addon from csrc/ with prebuildify and refreshes the prebuilt binary shipped in
// prebuilds/ (the one the loader tries first), so the committed prebuild always matches the
// sources. Named by Node ABI and libc (e.g. `@multiproc+native.abi115.glibc.node`).
'use strict';
const path = require('node:path');
const { nodeGypScript, nodeGypEnv } = require('./node-gyp.cjs');

const root = path.join(__dirname, '..');
const script = nodeGypScript();
if (!script) {
  console.error('prebuild: node-gyp not found (see scripts/node-gyp.cjs)');
  process.exit(1);
}
Object.assign(process.env, nodeGypEnv());
const prebuildify = require(require.resolve('prebuildify', { paths: [root] }));
prebuildify(
  {
    cwd: root,
    napi: false,
    strip: true,
    tagLibc: true,
    targets: [process.version],
    nodeGyp: script,
    quiet: true,
  },
  (error) => {
    if (error) {
      console.error(`prebuild: ${error.message}`);
      process.exit(1);
    }
  },
);
