// What a user gets from `npm install`: packs every package, then installs the tarballs into new
// projects outside the workspace, the way a user would, and runs them under each supported Node
// release with no C/C++ compiler and no make on PATH (so the shipped prebuilds must load).
//
//   for each Node line (default 22, 24, 26; --nodes=22,24,26):
//     npm install multiproc → the README quick start as ESM, as CommonJS and through tsx
//     (the child imports the .ts file too), and the addon came from a prebuild
//   once: tsc --noEmit on the quick start under moduleResolution node16 (ESM and CJS) and bundler
//   once: one leaf package alone (--leaf=@multiproc/synchronize), used without the facade
//     (with the other leaf packages its fixture imports)
//   once: pnpm install multiproc (strict layout: an undeclared dependency fails to resolve)
//
// Run from the repository after a build: `pnpm test:install` (the `.ci/run` step).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packAll, pnpmSpec, root } from './pack.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { nodeDir, pinned } = require('../packages/native/scripts/nodes.cjs');

const option = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const nodes = option('nodes', process.env.MULTIPROC_ACCEPT_NODES ?? '22,24,26').split(',');
const leaf = option('leaf', process.env.MULTIPROC_ACCEPT_LEAF ?? '@multiproc/synchronize');
const keep = process.env.MULTIPROC_ACCEPT_KEEP === '1';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-accept-'));
const started = Date.now();
const log = (line) =>
  console.log(`[install-test +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);

/** Runs a command; throws with its output when it fails or prints something unexpected. */
function run(command, args, { cwd, env, timeout = 120_000, expect } = {}) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
  const shown = `${command} ${args.join(' ')} (in ${cwd})`;
  if (result.error || result.status !== 0) {
    throw new Error(
      `${shown} failed: ${result.error?.message ?? `exit ${result.status}, signal ${result.signal}`}\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  if (expect !== undefined && result.stdout !== expect) {
    throw new Error(
      `${shown} printed ${JSON.stringify(result.stdout)}, expected ${JSON.stringify(expect)}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * A PATH holding only the tools an install needs besides Node: no cc, c++, gcc, make, so any
 * attempt to compile the addon fails the test.
 */
function toolsWithoutCompiler() {
  const dir = path.join(work, 'tools');
  fs.mkdirSync(dir);
  const which = (name) =>
    spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  for (const name of [
    'sh',
    'bash',
    'env',
    'tar',
    'gzip',
    'uname',
    'cat',
    'rm',
    'mkdir',
    'ls',
    'npm',
    'npx',
  ]) {
    const target = which(name);
    if (!target) throw new Error(`install-test needs ${name} on PATH`);
    fs.symlinkSync(fs.realpathSync(target), path.join(dir, name));
  }
  return dir;
}

/** The environment of a user's shell: this Node first, nothing of the workspace's pnpm run. */
function userEnv(major, tools) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|PNPM_|TURBO_|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$)/.test(key))
      env[key] = value;
  }
  env.PATH = `${path.join(nodeDir(major), 'bin')}:${tools}`;
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  return env;
}

function project(name, manifest) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function fileSpecs(tarballs) {
  return Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
}

/** The README's quick start, verbatim: the first ts block under "## Quick start". */
function readmeQuickStart() {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = readme.match(/## Quick start\s+```ts\n([\s\S]*?)```/);
  if (!match) throw new Error('README.md has no ```ts block under "## Quick start"');
  return match[1];
}

/** Bytes and package count of a node_modules tree (hard links and symlinks counted once). */
function footprint(dir) {
  let bytes = 0;
  let packages = 0;
  const seen = new Set();
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (fs.existsSync(path.join(p, 'package.json')) && !entry.name.startsWith('.')) packages++;
        walk(p);
      } else {
        const st = fs.statSync(p);
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
        bytes += st.size;
      }
    }
  };
  walk(dir);
  return { bytes, packages };
}

const expectHello = 'hello bob\n0\n';
const devTools = ['typescript', 'tsx', '@types/node'].map((name) => {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
  );
  return `${name}@${manifest.version}`;
});

function npmFacade(major, tarballs, tools, { typecheck }) {
  const env = userEnv(major, tools);
  const dir = project(`npm-node${major}`, {
    name: `accept-npm-node${major}`,
    private: true,
    type: 'module',
    dependencies: { multiproc: `file:${tarballs.multiproc}` },
    overrides: fileSpecs(tarballs),
  });
  run('npm', ['install'], { cwd: dir, env, timeout: 300_000 });
  const size = footprint(path.join(dir, 'node_modules'));
  log(
    `Node ${major}: npm install multiproc: ${size.packages} packages, ${(size.bytes / 1024).toFixed(0)} KiB in node_modules`,
  );
  run('npm', ['install', '--save-dev', ...devTools], { cwd: dir, env, timeout: 300_000 });
  for (const file of ['hello.mjs', 'hello.cjs', 'hello.cts', 'addon-origin.mjs']) {
    fs.copyFileSync(path.join(here, 'fixtures', file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, 'hello.ts'), readmeQuickStart());
  run('node', ['addon-origin.mjs'], {
    cwd: dir,
    env,
    expect: `${pinned[major].abi} prebuild\n`,
  });
  run('node', ['hello.mjs'], { cwd: dir, env, expect: expectHello });
  run('node', ['hello.cjs'], { cwd: dir, env, expect: expectHello });
  run(path.join(dir, 'node_modules', '.bin', 'tsx'), ['hello.ts'], {
    cwd: dir,
    env,
    expect: expectHello,
  });
  log(
    `Node ${major}: prebuild loaded without a compiler; quick start ran as ESM, CommonJS and TypeScript (tsx)`,
  );
  if (!typecheck) return size;
  const base = {
    strict: true,
    noEmit: true,
    target: 'es2022',
    types: ['node'],
    skipLibCheck: false,
  };
  const configs = {
    node16: { module: 'node16', moduleResolution: 'node16', files: ['hello.ts', 'hello.cts'] },
    bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['hello.ts'] },
  };
  for (const [name, { files, ...options }] of Object.entries(configs)) {
    const config = `tsconfig.${name}.json`;
    fs.writeFileSync(
      path.join(dir, config),
      JSON.stringify({ compilerOptions: { ...base, ...options }, files }),
    );
    run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', config], { cwd: dir, env });
  }
  log(`Node ${major}: tsc --noEmit passed under moduleResolution node16 (ESM + CJS) and bundler`);
  return size;
}

function npmLeaf(major, tarballs, tools) {
  const env = userEnv(major, tools);
  const short = leaf.replace(/^@multiproc\//, '');
  const script = path.join(here, 'fixtures', `leaf-${short}.mjs`);
  if (!tarballs[leaf]) throw new Error(`--leaf=${leaf}: no such package in packages/`);
  if (!fs.existsSync(script)) throw new Error(`--leaf=${leaf} needs fixtures/leaf-${short}.mjs`);
  // The leaf, and the other leaf packages its fixture imports (a child needs @multiproc/process).
  const imported = [...fs.readFileSync(script, 'utf8').matchAll(/from '(@multiproc\/[\w-]+)'/g)];
  const dependencies = { [leaf]: `file:${tarballs[leaf]}` };
  for (const [, name] of imported) {
    if (!tarballs[name])
      throw new Error(`fixtures/leaf-${short}.mjs imports ${name}: no such package`);
    dependencies[name] = `file:${tarballs[name]}`;
  }
  const dir = project(`leaf-${short}`, {
    name: `accept-leaf-${short}`,
    private: true,
    type: 'module',
    dependencies,
    overrides: fileSpecs(tarballs),
  });
  run('npm', ['install'], { cwd: dir, env, timeout: 300_000 });
  if (fs.existsSync(path.join(dir, 'node_modules', 'multiproc'))) {
    throw new Error(`installing ${leaf} alone pulled in the multiproc facade`);
  }
  fs.copyFileSync(script, path.join(dir, 'main.mjs'));
  const expected = fs.readFileSync(path.join(here, 'fixtures', `leaf-${short}.expected`), 'utf8');
  run('node', ['main.mjs'], { cwd: dir, env, expect: expected });
  const installed = fs.readdirSync(path.join(dir, 'node_modules', '@multiproc')).sort();
  log(
    `Node ${major}: ${leaf} alone (installs @multiproc/{${installed.join(',')}}) works without the facade`,
  );
}

function pnpmFacade(major, tarballs, tools) {
  const env = userEnv(major, tools);
  const dir = project(`pnpm-node${major}`, {
    name: `accept-pnpm-node${major}`,
    private: true,
    type: 'module',
    dependencies: { multiproc: `file:${tarballs.multiproc}` },
    pnpm: { overrides: fileSpecs(tarballs) },
  });
  run('npx', ['--yes', pnpmSpec, 'install'], { cwd: dir, env, timeout: 300_000 });
  for (const file of ['hello.mjs', 'hello.cjs']) {
    fs.copyFileSync(path.join(here, 'fixtures', file), path.join(dir, file));
  }
  run('node', ['hello.mjs'], { cwd: dir, env, expect: expectHello });
  run('node', ['hello.cjs'], { cwd: dir, env, expect: expectHello });
  log(`Node ${major}: pnpm install multiproc (strict layout): quick start ran as ESM and CommonJS`);
}

try {
  for (const major of nodes) {
    if (!pinned[major]) throw new Error(`--nodes: Node ${major} is not a supported line`);
    nodeDir(major); // fetched up front, on the normal PATH
  }
  const tarballs = packAll(path.join(work, 'tarballs'));
  log(`packed ${Object.keys(tarballs).length} packages`);
  const tools = toolsWithoutCompiler();
  const probe = spawnSync(
    'sh',
    ['-c', 'command -v cc || command -v c++ || command -v gcc || command -v make'],
    {
      env: userEnv(nodes[0], tools),
      encoding: 'utf8',
    },
  );
  if (probe.status === 0) throw new Error(`the test PATH still has a compiler: ${probe.stdout}`);
  const middle = nodes[Math.floor(nodes.length / 2)];
  for (const major of nodes) npmFacade(major, tarballs, tools, { typecheck: major === middle });
  npmLeaf(middle, tarballs, tools);
  pnpmFacade(middle, tarballs, tools);
  log(`passed (Node ${nodes.join(', ')})`);
} catch (error) {
  console.error(`[install-test] FAILED: ${error.stack ?? error}`);
  console.error(`[install-test] the projects are kept in ${work}`);
  process.exit(1);
}
if (!keep) fs.rmSync(work, { recursive: true, force: true });
