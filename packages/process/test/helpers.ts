import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeChildren } from '@multiproc/process';

export { isPidAlive, waitFor as waitUntil } from '../../../tooling/test-helpers.js';

/** A fresh temp directory per test file, removed afterwards. */
export function tempDir(): { file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'multiproc-test-'));
  return {
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Reads a JSON file a child wrote. */
export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export { existsSync };

/** Kills and reaps whatever a test left running, so no child outlives its test. */
export async function killLeftovers(): Promise<void> {
  const left = activeChildren();
  for (const p of left) p.kill();
  await Promise.all(left.map((p) => p.join(5000)));
}

export const driver = (name: string): string => join(__dirname, 'fixtures', 'drivers', name);

/** Runs a driver script in a fresh Node process and returns its exit status and output. */
export function runDriver(name: string, args: string[] = [], execArgv: string[] = []) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [...execArgv, driver(name), ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: performance.now() - started,
  };
}

/** Starts a driver script and resolves with its first stdout line parsed as JSON. */
export function startDriver(name: string, args: string[] = []) {
  const child = spawn(process.execPath, [driver(name), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = new Promise<Record<string, number>>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(buffered.slice(0, newline)) as Record<string, number>);
    });
    child.once('exit', (code) =>
      reject(new Error(`driver ${name} exited with ${code} before printing`)),
    );
  });
  return { child, firstLine };
}
