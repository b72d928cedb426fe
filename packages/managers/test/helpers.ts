import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { activeChildren } from '@multiproc/process';
import { Manager, type ManagerOptions, type SyncManager } from '@multiproc/managers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const targets = require('./fixtures/targets.cjs') as typeof import('./fixtures/targets.cjs');

/** Kills and reaps whatever a test left running, and fails if anything was left. */
export async function expectNoChildren(): Promise<void> {
  const left = activeChildren();
  for (const p of left) p.kill();
  await Promise.all(left.map((p) => p.join(5000)));
  expect(left.map((p) => p.name)).toEqual([]);
}

/**
 * A manager for the tests of one `describe` block: started before them and handed to `use`; shut
 * down after them, and checked for leftover children.
 */
export function useManager(use: (manager: SyncManager) => void, options?: ManagerOptions): void {
  let manager: SyncManager | undefined;
  beforeAll(async () => {
    manager = await Manager(options);
    use(manager);
  });
  afterAll(async () => {
    await manager?.shutdown();
    await expectNoChildren();
  });
}

/** A full garbage collection (so dropped proxies' finalizers run). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Polls `read` until it returns `expected` or `ms` pass; returns the last value. */
export async function until<T>(read: () => Promise<T>, expected: T, ms: number): Promise<T> {
  const started = performance.now();
  let value = await read();
  while (value !== expected && performance.now() - started < ms) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

/** Settles a promise into what it rejected with (or fails if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
