// Helpers shared by the packages' tests of real processes and shared memory.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** `fixture(name)` for the `fixtures/` folder beside a package's tests. */
export const fixturesIn =
  (testDir: string) =>
  (name: string): string =>
    join(testDir, 'fixtures', name);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `node ...execArgv <file> ...args`, collecting output; kills it (and fails) after
 * `timeoutMs`.
 */
export function runNode(
  file: string,
  args: string[] = [],
  options: SpawnOptions & { timeoutMs?: number; execArgv?: string[] } = {},
): Promise<RunResult> {
  const { timeoutMs = 20_000, execArgv = [], ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...execArgv, file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...spawnOptions,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Resolves with the child's first IPC message. */
export function nextMessage<T = unknown>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) =>
      reject(new Error(`child exited (${code}) before sending a message`)),
    );
  });
}

/** Resolves when the child has exited. */
export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Names in /dev/shm (Linux) that a package's tests may create, chosen by `keep`. Other packages'
 * tests may run at the same time (turbo runs packages in parallel): the native tests name their
 * segments `mp_test_…`, every other package's come from multiproc (`mp_…`).
 */
export function shmNamesWhere(keep: (name: string) => boolean): Set<string> {
  return new Set(readdirSync('/dev/shm').filter(keep));
}

/** Segments of multiproc's own packages (`mp_…`, not the native tests' `mp_test_…`). */
export const multiprocShmNames = (): Set<string> => shmNamesWhere((n) => !n.startsWith('mp_test_'));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a pid names a live process; a zombie (state `Z`, not yet reaped) counts as gone. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie still answers kill(0) until its parent reaps it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `predicate` holds or `ms` pass; resolves with the elapsed milliseconds, or -1. */
export async function waitFor(predicate: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (predicate()) return performance.now() - started;
    await sleep(20);
  }
  return predicate() ? performance.now() - started : -1;
}

/** {@link waitFor}, answering only whether `predicate` held in time. */
export const waitUntil = async (predicate: () => boolean, ms: number): Promise<boolean> =>
  (await waitFor(predicate, ms)) >= 0;

/** Something started that `runAll` runs: a multiproc `Process`. */
export interface Startable {
  start(): void;
  join(timeout?: number): Promise<unknown>;
  readonly exitcode: number | null;
}

/** Starts every process, waits up to 30 s for each, and resolves with their exit codes. */
export async function runAll(processes: readonly Startable[]): Promise<(number | null)[]> {
  for (const p of processes) p.start();
  await Promise.all(processes.map((p) => p.join(30_000)));
  return processes.map((p) => p.exitcode);
}

/**
 * Guards a test file: after each test, kills the children it left (`activeChildren`); after the
 * file, fails if it left a segment in /dev/shm (`shmNames`), heap arenas aside (the tracker
 * unlinks those when the program ends).
 */
export function guardLeftovers(guards: {
  activeChildren?: () => readonly { kill(): void }[];
  shmNames?: () => Set<string>;
}): void {
  const { activeChildren, shmNames } = guards;
  if (activeChildren) {
    afterEach(() => {
      for (const p of activeChildren()) p.kill();
    });
  }
  if (shmNames) {
    let before = new Set<string>();
    beforeAll(() => {
      before = shmNames();
    });
    afterAll(async () => {
      const added = await lingering(shmNames, (n) => !before.has(n) && !n.startsWith('mp_heap_'));
      expect(added).toEqual([]);
    }, kLingerMs + 5_000);
  }
}

/**
 * How long a new segment may take to go away before it counts as left behind. `/dev/shm` is one
 * namespace for the machine: another suite running beside this one (turbo runs two at a time)
 * creates and unlinks segments of its own, which come and go, where a leak stays.
 */
const kLingerMs = 10_000;

/**
 * The segments that `keep` selects and that are still there after `kLingerMs` (polled), less
 * those another suite's processes still map: a suite beside this one may create its program's
 * heap segment during this test and hold it for its whole run, which is no leak of ours.
 */
export async function lingering(
  shmNames: () => Set<string>,
  keep: (name: string) => boolean,
): Promise<string[]> {
  const deadline = Date.now() + kLingerMs;
  let left = [...shmNames()].filter(keep);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    const now = shmNames();
    left = left.filter((n) => now.has(n));
  }
  if (left.length === 0) return left;
  const others = mappedOutsideThisTree();
  return left.filter((n) => !others.has(n));
}

/** The `/dev/shm` names mapped by live processes that are neither this one nor its descendants. */
function mappedOutsideThisTree(): Set<string> {
  const parents = new Map<number, number>();
  const pids = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid; p > 1; p = parents.get(p) ?? 0) if (p === process.pid) return true;
    return false;
  };
  const names = new Set<string>();
  for (const pid of parents.keys()) {
    if (ours(pid)) continue;
    try {
      for (const match of readFileSync(`/proc/${pid}/maps`, 'utf8').matchAll(/\/dev\/shm\/(\S+)/g))
        names.add(match[1] as string);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return names;
}

/** Fails each test of the enclosing block that leaves a segment `shmNames()` did not list before it. */
export function guardSegmentsPerTest(shmNames: () => Set<string>): void {
  let before = new Set<string>();
  beforeEach(() => {
    before = shmNames();
  });
  afterEach(async () => {
    expect(await lingering(shmNames, (n) => !before.has(n))).toEqual([]);
  }, kLingerMs + 5_000);
}

/** A TCP port that was free on 127.0.0.1 a moment ago, for a server a test starts itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
