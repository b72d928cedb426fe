import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, ThreadPool } from '@multiproc/pool';
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

/**
 * A pool of `processes` workers for the tests of one `describe` block: made before them and handed
 * to `use`; after them stopped (`close` lets queued work finish, `terminate` does not) and checked
 * for leftover children.
 */
export function usePool(
  method: 'spawn' | 'thread',
  processes: number,
  use: (pool: Pool) => void,
  stop: 'close' | 'terminate' = 'terminate',
): void {
  let pool: Pool | undefined;
  beforeAll(() => {
    pool = method === 'thread' ? new ThreadPool(processes) : new Pool(processes);
    use(pool);
  });
  afterAll(async () => {
    if (stop === 'close') pool?.close();
    else pool?.terminate();
    await pool?.join();
    await expectNoChildren();
  });
}

/** `count` calls of `iterator.next()`, each as its result or as `'Name: message'` of its rejection. */
export async function nextSteps(
  iterator: AsyncIterator<unknown>,
  count: number,
): Promise<unknown[]> {
  const steps: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const step = await settle(iterator.next());
    steps.push(step.ok ? step.value : `${step.error.name}: ${step.error.message}`);
  }
  return steps;
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
