// `pnpm release:dry`: what `pnpm release` would publish now, without publishing. For each public
// package: its version, whether that version is already on the registry (then it is skipped),
// the size of its tarball, unpacked size and file count; and the versions the pending changesets
// would bump to.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packAll, root } from './pack.mjs';

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function pendingChangesets(work) {
  const output = path.join(work, 'status.json');
  const status = spawnSync(
    path.join(root, 'node_modules', '.bin', 'changeset'),
    ['status', `--output=${output}`],
    { cwd: root, encoding: 'utf8' },
  );
  if (status.status !== 0 || !fs.existsSync(output)) return undefined;
  return JSON.parse(fs.readFileSync(output, 'utf8')).releases ?? [];
}

function onRegistry(name, version) {
  const view = spawnSync('npm', ['view', `${name}@${version}`, 'version'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (view.status === 0) return view.stdout.trim() === version ? 'published' : 'new';
  return /E404|404/.test(view.stderr) ? 'new' : 'unknown (registry unreachable)';
}

function contents(file) {
  const list = spawnSync('tar', ['tzvf', file], { encoding: 'utf8' }).stdout.trim().split('\n');
  const unpacked = list.reduce((sum, line) => sum + Number(line.split(/\s+/)[2] || 0), 0);
  return { files: list.length, unpacked };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-release-dry-'));
try {
  const releases = pendingChangesets(work);
  const tarballs = packAll(work);
  const rows = [['package', 'version', 'registry', 'tarball', 'unpacked', 'files']];
  let total = 0;
  for (const [name, file] of Object.entries(tarballs)) {
    const version = path.basename(file).match(/-(\d+\.\d+\.\d+[^/]*)\.tgz$/)[1];
    const size = fs.statSync(file).size;
    total += size;
    const { files, unpacked } = contents(file);
    rows.push([name, version, onRegistry(name, version), kib(size), kib(unpacked), String(files)]);
  }
  rows.push(['total', '', '', kib(total), '', '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  console.log('');
  if (releases === undefined) {
    console.log(
      'changesets: none pending (or `changeset status` failed): the versions above are what would be published.',
    );
  } else if (releases.length === 0) {
    console.log('changesets: none pending.');
  } else {
    console.log('changesets pending (`pnpm version-packages` applies them before `pnpm release`):');
    for (const r of releases)
      console.log(`  ${r.name}: ${r.oldVersion} → ${r.newVersion} (${r.type})`);
  }
  console.log("`pnpm release` publishes the packages marked 'new' (nothing was published now).");
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
