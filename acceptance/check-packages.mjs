// Lints what would be published: publint (strict: warnings count) and Are the Types Wrong
// (every entry point, under every module resolution TypeScript users have) on each packed
// tarball. Fails on any message from either.
//
// Internal entry points (an `./internal…` subpath, or one listed below) are only for other
// multiproc packages, which resolve them with node16/bundler rules: attw checks them under its
// node16 profile; node10 (`moduleResolution: "node"`) cannot see any subpath export and no user
// is meant to import them. Public entry points get the strict profile.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packAll, root, workspacePackages } from './pack.mjs';

const internalEntryPoints = { '@multiproc/serialize': ['./decode', './resolve'] };

function isInternal(name, subpath) {
  return /^\.\/internal(\/|$)/.test(subpath) || (internalEntryPoints[name] ?? []).includes(subpath);
}

function attw(file, args) {
  return new Promise((resolve) => {
    const child = spawn(
      path.join(root, 'node_modules', '.bin', 'attw'),
      [file, '--format', 'ascii', '--no-emoji', '--no-color', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

async function check(name, file, manifest) {
  const problems = [];
  const data = fs.readFileSync(file);
  const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
  for (const message of messages) {
    problems.push(`publint: [${message.type}] ${formatMessage(message, pkg) ?? message.code}`);
  }
  const subpaths = Object.keys(manifest.exports ?? {}).filter((s) => !s.endsWith('.json'));
  const internal = subpaths.filter((s) => isInternal(name, s));
  const runs = [attw(file, internal.length ? ['--exclude-entrypoints', ...internal] : [])];
  if (internal.length) runs.push(attw(file, ['--profile', 'node16', '--entrypoints', ...internal]));
  for (const run of await Promise.all(runs)) if (!run.ok) problems.push(`attw:\n${run.output}`);
  console.log(
    `${name}: publint ${messages.length ? 'problems' : 'ok'}, attw ${problems.length > messages.length ? 'problems' : 'ok'}` +
      (internal.length ? ` (internal: ${internal.join(', ')})` : ''),
  );
  return problems.map((p) => `${name} ${p}`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-check-packages-'));
let problems = [];
try {
  const tarballs = packAll(work);
  const packages = workspacePackages();
  const queue = Object.entries(tarballs);
  // Two at a time: each attw run is one CPU-bound process.
  const lanes = [0, 1].map(async () => {
    while (queue.length) {
      const [name, file] = queue.shift();
      problems = problems.concat(await check(name, file, packages.get(name).manifest));
    }
  });
  await Promise.all(lanes);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`check-packages: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('check-packages: publint and attw found no problem in any package');
