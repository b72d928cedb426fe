// Finds node-gyp and Node's headers without reaching the network (headers cannot be downloaded
// on every machine): npm's `nodedir` setting when present, else the headers installed beside the
// running node binary (<prefix>/include/node), which distribution packages and official tarballs
// both ship.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Absolute path of node-gyp's JavaScript entry point, or undefined. */
function nodeGypScript() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package here
  }
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(
    path.join(
      prefix,
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  candidates.push(
    path.join(
      path.dirname(process.execPath),
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  return candidates.find((file) => fs.existsSync(file));
}

/** The Node install prefix whose include/node holds headers for this very Node, or undefined. */
function localNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.dirname(path.dirname(process.execPath));
  const header = path.join(prefix, 'include', 'node', 'node_version.h');
  if (!fs.existsSync(header)) return undefined;
  const text = fs.readFileSync(header, 'utf8');
  const part = (name) => (text.match(new RegExp(`#define ${name} (\\d+)`)) || [])[1];
  const version = `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  return version === process.version ? prefix : undefined;
}

/** Environment for node-gyp with nodedir filled in (the running Node's own headers). */
function nodeGypEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  const nodedir = localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;
  return env;
}

module.exports = { nodeGypScript, nodeGypEnv, localNodeDir };
