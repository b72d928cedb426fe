/** Describes the machine and software a benchmark ran on, for the head of RESULTS.md. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MachineInfo } from './types.js';

/** Packages whose versions matter to the figures: the peers and multiproc itself. */
const kPackages = ['multiproc', 'piscina', 'tinypool', 'workerpool', 'jest-worker'];

function run(file: string, args: string[], cwd: string): string | undefined {
  try {
    return execFileSync(file, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The installed version of `name` in bench's node_modules, or `undefined`. Read from the folder
 * rather than through `require.resolve('<name>/package.json')`, which packages with an `exports`
 * map (piscina) refuse.
 */
function packageVersion(benchDir: string, name: string): string | undefined {
  try {
    const file = path.join(benchDir, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function roundTo2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The current 1-minute load average, rounded. */
export function loadAverageNow(): number {
  return roundTo2(os.loadavg()[0] ?? 0);
}

export function describeMachine(benchDir: string, python: string): MachineInfo {
  const cpus = os.cpus();
  const packages: Record<string, string> = {};
  for (const name of kPackages) {
    const version = packageVersion(benchDir, name);
    if (version !== undefined) packages[name] = version;
  }
  const pythonVersion = run(python, ['-c', 'import sys; print(sys.version.split()[0])'], benchDir);
  const head = run('git', ['rev-parse', '--short', 'HEAD'], benchDir);
  // The files a run rewrites do not make the code under test dirty.
  const dirty = run(
    'git',
    [
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      ':(top)',
      ':(exclude)RESULTS.md',
      ':(exclude)results.svg',
    ],
    benchDir,
  );
  const info: MachineInfo = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCpus: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: pythonVersion === undefined ? 'not found' : `${pythonVersion} (${python})`,
    packages,
    loadAverage: { start: loadAverageNow() },
    date: new Date().toISOString(),
  };
  if (head !== undefined) info.commit = dirty ? `${head} (with uncommitted changes)` : head;
  return info;
}
