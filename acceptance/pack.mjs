// Packs every public package of packages/ with pnpm (which turns `workspace:*` into versions) and
// says which tarball is whose. Shared by the install test, the package lint and release:dry.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootManifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
/** `pnpm@<version>` as the root manifest pins it. */
export const pnpmSpec = rootManifest.packageManager;

/** The public packages of packages/, name → { dir, manifest }. */
export function workspacePackages() {
  const out = new Map();
  for (const dir of fs.readdirSync(path.join(root, 'packages')).sort()) {
    const file = path.join(root, 'packages', dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!manifest.private) out.set(manifest.name, { dir: path.dirname(file), manifest });
  }
  return out;
}

/** Packs them all into `dest`; returns name → tarball path. */
export function packAll(dest) {
  const result = spawnSync(
    'npx',
    ['--yes', pnpmSpec, '-r', '--filter', './packages/*', 'pack', '--pack-destination', dest],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `pnpm -r pack failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`,
    );
  }
  const tarballs = {};
  for (const [name, { manifest }] of workspacePackages()) {
    const base = `${name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
    const file = path.join(dest, base);
    if (!fs.existsSync(file)) throw new Error(`pnpm pack made no tarball for ${name} (${file})`);
    tarballs[name] = file;
  }
  return tarballs;
}
