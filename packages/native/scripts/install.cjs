// Install step: use the shipped prebuild when one loads on this machine; compile only otherwise.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { nodeGypScript, nodeGypEnv } = require('./node-gyp.cjs');

const root = path.join(__dirname, '..');

if (process.platform === 'win32') {
  console.warn('@multiproc/native: Windows is not supported yet; nothing was built.');
  process.exit(0);
}

function prebuildLoads() {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `process.env.PREBUILDS_ONLY = '1'; require(require.resolve('node-gyp-build', { paths: [${JSON.stringify(root)}] }))(${JSON.stringify(root)})`,
    ],
    { stdio: 'ignore' },
  );
  return probe.status === 0;
}

if (process.env.npm_config_build_from_source !== 'true' && prebuildLoads()) process.exit(0);

const script = nodeGypScript();
if (!script) {
  console.error(
    '@multiproc/native: no prebuilt binary matches this machine and node-gyp was not found. ' +
      'Install node-gyp (npm i -g node-gyp), a C++ compiler, make and python3, then reinstall.',
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, [script, 'rebuild'], {
  cwd: root,
  stdio: 'inherit',
  env: nodeGypEnv(),
});
process.exit(result.status ?? 1);
