// Compiles the addon for every supported Node line (scripts/nodes.cjs) against that release's own
// headers and ships the results in prebuilds/<platform>-<arch>/ under node-gyp-build's names
// (`@multiproc+native.abi127.glibc.node`). prebuilds/sources.sha256 records the sources they were
// built from, so a build recompiles only when csrc/, binding.gyp or the pinned releases change.
//
//   node scripts/prebuild.cjs           rebuild all when the sources changed (the package build)
//   node scripts/prebuild.cjs --force   rebuild all (`pnpm prebuild:all`)
//   node scripts/prebuild.cjs --check   exit 1 when the prebuilds do not match the sources (CI)
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeGypScript } = require('./node-gyp.cjs');
const { pinned, nodeDir } = require('./nodes.cjs');

const root = path.join(__dirname, '..');
const prebuilds = path.join(root, 'prebuilds');
const stampFile = path.join(prebuilds, 'sources.sha256');
const tuple = `${process.platform}-${process.arch}`;

/** One digest over every input of the compiled binary, and the pinned releases. */
function sourcesDigest() {
  const hash = crypto.createHash('sha256');
  const files = [
    'binding.gyp',
    ...fs
      .readdirSync(path.join(root, 'csrc'))
      .sort()
      .map((f) => `csrc/${f}`),
  ];
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  hash.update(JSON.stringify(pinned));
  hash.update(tuple);
  return hash.digest('hex');
}

function recorded() {
  try {
    return fs.readFileSync(stampFile, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function buildFor(major, script, work) {
  const { version, abi } = pinned[major];
  const dir = nodeDir(major);
  const build = spawnSync(
    process.execPath,
    [
      script,
      'rebuild',
      `--nodedir=${dir}`,
      `--jobs=${os.availableParallelism?.() ?? os.cpus().length}`,
    ],
    { cwd: work, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: dir } },
  );
  if (build.status !== 0) {
    process.stderr.write(build.stdout + build.stderr);
    throw new Error(`the build for Node ${version} (ABI ${abi}) failed`);
  }
  const warnings = (build.stderr.match(/warning:.*$/gm) || []).length;
  if (warnings > 0) process.stderr.write(build.stderr);
  const target = path.join(prebuilds, tuple, `@multiproc+native.abi${abi}.glibc.node`);
  fs.copyFileSync(path.join(work, 'build', 'Release', 'multiproc_native.node'), target);
  const strip = spawnSync('strip', ['--strip-unneeded', target], { stdio: 'inherit' });
  if (strip.status !== 0) throw new Error(`strip ${target} failed`);
  console.log(
    `prebuild: Node ${version} (ABI ${abi}) → ${path.relative(root, target)} (${fs.statSync(target).size} bytes)`,
  );
}

function buildAll() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`prebuilds are made on linux-x64 (glibc) only, not ${tuple}`);
  }
  const script = nodeGypScript();
  if (!script) throw new Error('node-gyp not found (see scripts/node-gyp.cjs)');
  const digest = sourcesDigest();
  fs.rmSync(path.join(prebuilds, tuple), { recursive: true, force: true });
  fs.mkdirSync(path.join(prebuilds, tuple), { recursive: true });
  for (const major of Object.keys(pinned)) {
    // A scratch copy per release: the package's own build/ (a developer's local build) is left
    // alone, and no object file of one release's headers leaks into another's.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-prebuild-'));
    try {
      fs.cpSync(path.join(root, 'csrc'), path.join(work, 'csrc'), { recursive: true });
      fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(work, 'binding.gyp'));
      buildFor(major, script, work);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  fs.writeFileSync(stampFile, `${digest}\n`);
}

const mode = process.argv[2];
if (mode !== undefined && mode !== '--check' && mode !== '--force') {
  console.error(`prebuild: unknown option ${mode} (use --force or --check)`);
  process.exit(2);
}
try {
  if (mode === '--check') {
    if (recorded() !== sourcesDigest()) {
      console.error(
        'prebuild: prebuilds/ does not match csrc/, binding.gyp and the pinned Node releases; ' +
          'run `pnpm prebuild:all` and commit prebuilds/',
      );
      process.exit(1);
    }
    console.log(
      `prebuild: prebuilds/ matches the sources (${Object.keys(pinned)
        .map((m) => `Node ${m}`)
        .join(', ')})`,
    );
  } else if (mode === '--force' || recorded() !== sourcesDigest()) {
    buildAll();
  }
} catch (error) {
  console.error(`prebuild: ${error.message}`);
  process.exit(1);
}
