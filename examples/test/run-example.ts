// Runs an example as a user would (`tsx <file>`), collecting its output.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function runExample(
  file: string,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', file), ...args],
    { encoding: 'utf8', timeout: 60_000, cwd: join(__dirname, '..') },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
