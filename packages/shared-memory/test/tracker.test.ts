import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixture, runNode, shmNames, sleep } from './helpers.js';

const root = join(__dirname, '..');

/** Starts a program in its own process group, as a shell would, and reads its first stdout line. */
async function startProgram(
  file: string,
  args: string[],
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [file, ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before printing`)));
  });
  return { child, line };
}

// Every program a test starts is killed afterwards, whatever the test's outcome: detached
// programs would otherwise outlive Jest (and hold its output pipe open).
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function waitUntil(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

describe('the resource tracker', () => {
  test('unlinks every segment of a program after kill -9 of its whole process tree', async () => {
    const { child, line } = await startProgram(fixture('tree.mjs'), []);
    const { names } = JSON.parse(line) as { names: string[] };
    expect(names).toHaveLength(6);
    expect(names.every((n) => shmNames().has(n))).toBe(true);
    killGroup(child);
    expect(await waitUntil(() => names.every((n) => !shmNames().has(n)), 5_000)).toBe(true);
  });

  test('a program that unlinks its segment itself gets no warning and leaves nothing', async () => {
    const before = shmNames();
    const run = await runNode(fixture('create-and-wait.mjs'), ['unlink'], { cwd: root });
    expect(run.code).toBe(0);
    await sleep(300); // the tracker's exit, had it anything to say
    expect(run.stderr).toBe('');
    expect(shmNames().has(run.stdout.trim())).toBe(false);
    expect([...shmNames()].filter((n) => !before.has(n))).toEqual([]);
  });

  test('a segment another program attached by name outlives its creator until that program ends', async () => {
    const creator = await startProgram(fixture('create-and-wait.mjs'), ['keep']);
    const name = creator.line.trim();
    const holder = await startProgram(fixture('attach-and-wait.mjs'), [name]);
    expect(holder.line).toBe('attached 4096');
    killGroup(creator.child);
    await sleep(1_000);
    expect(shmNames().has(name)).toBe(true);
    killGroup(holder.child);
    expect(await waitUntil(() => !shmNames().has(name), 5_000)).toBe(true);
  });
});
