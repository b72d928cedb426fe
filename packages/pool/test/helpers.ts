import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeChildren } from '@multiproc/process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const tasks = require('./fixtures/tasks.cjs') as typeof import('./fixtures/tasks.cjs');

/** A fresh temp directory per test file, removed afterwards. */
export function tempDir(): { file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'multiproc-pool-test-'));
  return {
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Lines of a file, or [] if it does not exist. */
export function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Kills and reaps whatever a test left running, and fails if anything was left. */
export async function expectNoChildren(): Promise<void> {
  const left = activeChildren();
  for (const p of left) p.kill();
  await Promise.all(left.map((p) => p.join(5000)));
  expect(left.map((p) => p.name)).toEqual([]);
}

export { isPidAlive, waitUntil } from '../../../tooling/test-helpers.js';

export const driver = (name: string): string => join(__dirname, 'fixtures', 'drivers', name);

/** Runs a driver script in a fresh Node process. */
export function runDriver(name: string, args: string[] = [], env: Record<string, string> = {}) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [driver(name), ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: performance.now() - started,
  };
}

/** Settles a promise into `{ ok, value | error }`, for exact assertions on rejections. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: Error & Record<string, unknown> }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error: error as Error & Record<string, unknown> };
  }
}
