import { cpSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonOrigin } from '@multiproc/native';
import { runNode } from './helpers.js';

const root = join(__dirname, '..');

/** A copy of the installed package without build/ (what a user without a compiler has). */
function installedCopy(withPrebuilds: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'mp-native-load-'));
  const pkg = join(dir, 'node_modules', '@multiproc', 'native');
  for (const entry of ['package.json', 'dist', ...(withPrebuilds ? ['prebuilds'] : [])]) {
    cpSync(join(root, entry), join(pkg, entry), { recursive: true });
  }
  cpSync(
    realpathSync(join(root, 'node_modules', 'node-gyp-build')),
    join(dir, 'node_modules', 'node-gyp-build'),
    {
      recursive: true,
    },
  );
  return dir;
}

const probe = `
  const n = require('@multiproc/native');
  try { console.log(JSON.stringify({ origin: n.addonOrigin(), alive: n.isProcessAlive(process.pid) })); }
  catch (e) { console.log(JSON.stringify({ error: e.message, name: e.name, code: e.code, attempts: e.attempts.length })); }
`;

describe('loading the addon', () => {
  test('the shipped linux-x64 prebuild loads with no build folder', async () => {
    const dir = installedCopy(true);
    try {
      const run = await runNode('-e', [probe], { cwd: dir });
      const report = JSON.parse(run.stdout) as {
        origin: { kind: string; path: string };
        alive: boolean;
      };
      expect(report.origin.kind).toBe('prebuild');
      expect(report.origin.path).toContain(
        join('prebuilds', `${process.platform}-${process.arch}`),
      );
      expect(report.alive).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with neither prebuild nor build, one error lists each attempt, why, and the fix', async () => {
    const dir = installedCopy(false);
    try {
      const run = await runNode('-e', [probe], { cwd: dir });
      const report = JSON.parse(run.stdout) as {
        error: string;
        name: string;
        code: string;
        attempts: number;
      };
      expect(report.name).toBe('NativeLoadError');
      expect(report.code).toBe('ERR_MP_NATIVE_LOAD');
      expect(report.attempts).toBe(3);
      expect(report.error).toContain('Tried:\n  1. ');
      expect(report.error).toContain('the package ships no prebuilds/ folder');
      expect(report.error).toContain(join('build', 'Release', 'multiproc_native.node'));
      expect(report.error).toContain('not built');
      expect(report.error).toContain('To fix: compile it for this machine');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('MULTIPROC_NATIVE_ADDON naming a missing file fails with that attempt only', async () => {
    const run = await runNode('-e', [probe], {
      cwd: root,
      env: { ...process.env, MULTIPROC_NATIVE_ADDON: join(tmpdir(), 'no-such-addon.node') },
    });
    const report = JSON.parse(run.stdout) as { error: string; attempts: number };
    expect(report.attempts).toBe(1);
    expect(report.error).toContain('no-such-addon.node');
    expect(report.error).toContain('unset it');
  });

  test('in this workspace the prebuild is what loads', () => {
    expect(addonOrigin().kind).toBe('prebuild');
  });
});
