import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixture, lingering, runNode, shmNames, sleep } from './helpers.js';

const root = join(__dirname, '..');

/**
 * Starts a program in its own process group, as a shell would, and reads its first stdout line;
 * `nextLine` reads the following ones.
 */
async function startProgram(
  file: string,
  args: string[],
  stdin: 'ignore' | 'pipe' = 'ignore',
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; line: string; nextLine: () => Promise<string> }> {
  const child = spawn(process.execPath, [file, ...args], {
    cwd: root,
    detached: true,
    env,
    stdio: [stdin, 'pipe', 'inherit'],
  });
  started.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const next = await lines.next();
    if (next.done === true) throw new Error(`${file} exited before printing`);
    return next.value;
  };
  return { child, line: await nextLine(), nextLine };
}

/** The pid of the tracker whose directory is `dir`. */
function trackerPid(dir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('tracker-main.cjs')) && argv.includes(dir))
        return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  throw new Error(`no tracker process for ${dir}`);
}

/** Pids of the live trackers whose directory is `dir`. */
function trackerPids(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('tracker-main.cjs')) && argv.includes(dir))
        pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** SIGKILLs the tracker of `dir` and returns its successor's pid, once exactly one runs. */
async function killTracker(dir: string): Promise<number> {
  const dead = trackerPid(dir);
  process.kill(dead, 'SIGKILL');
  let successor: number[] = [];
  const found = await waitUntil(() => {
    successor = trackerPids(dir).filter((pid) => pid !== dead);
    return successor.length === 1;
  }, 5_000);
  if (!found) throw new Error(`no successor took over from tracker ${dead} of ${dir}`);
  await sleep(1_200); // every process of the program has checked again: still that one only
  expect(trackerPids(dir)).toEqual(successor);
  return successor[0]!;
}

/** How many times a process's main thread went to sleep (each wake-up follows one). */
function sleeps(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)![1]);
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
    expect(await lingering(shmNames, (n) => !before.has(n))).toEqual([]);
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

  test('a program that attached a segment and closed every handle no longer keeps it (cpython#82300)', async () => {
    const creator = await startProgram(fixture('create-and-wait.mjs'), ['keep']);
    const name = creator.line.trim();
    const holder = await startProgram(fixture('attach-close-and-wait.mjs'), [name], 'pipe');
    expect(holder.line).toBe('attached 2');
    holder.child.stdin!.write('close\n');
    expect(await holder.nextLine()).toBe('open 1');
    killGroup(creator.child);
    await sleep(1_000);
    expect(shmNames().has(name)).toBe(true); // one handle is still open
    holder.child.stdin!.write('close\n');
    expect(await holder.nextLine()).toBe('open 0');
    expect(await waitUntil(() => !shmNames().has(name), 3_000)).toBe(true);
    expect(holder.child.exitCode).toBe(null); // unlinked while the holder still runs
  }, 20_000);

  test('a program whose tracker was SIGKILLed unlinks its heap arenas when it ends normally', async () => {
    const program = await startProgram(fixture('heap-tracker-killed.mjs'), [], 'pipe');
    const { arenas, dir } = JSON.parse(program.line) as { arenas: string[]; dir: string };
    expect(arenas).toHaveLength(2);
    process.kill(trackerPid(dir), 'SIGKILL');
    await sleep(200);
    program.child.stdin!.write('end\n');
    const exit = await new Promise<number | null>((resolve) => program.child.once('exit', resolve));
    expect(exit).toBe(0);
    // Unlinked at the exit by the program itself or by the successor it started meanwhile.
    expect(await waitUntil(() => arenas.every((name) => !shmNames().has(name)), 5_000)).toBe(true);
  }, 20_000);

  test('ownership follows the journals across processes: a segment a child unlinked is forgotten, a name created again is owned again', async () => {
    const run = await runNode(fixture('journal-cross.mjs'), [], { cwd: root });
    expect(run.code).toBe(0);
    const { handed, name } = JSON.parse(run.stdout) as { handed: string; name: string };
    // runNode waits for the tracker too: it inherited stderr, and ends with the program.
    expect(run.stderr).toBe(
      `multiproc resource tracker: unlinking 1 shared memory segment(s) the program left behind: ${name}\n`,
    );
    expect(shmNames().has(handed)).toBe(false);
    expect(shmNames().has(name)).toBe(false);
  });

  test('creating and unlinking segments does not wake the tracker, and its journals stay small', async () => {
    const program = await startProgram(fixture('journal-churn.mjs'), ['20000']);
    const { dir } = JSON.parse(program.line) as { dir: string };
    const tracker = trackerPid(dir);
    const before = sleeps(tracker);
    expect(await program.nextLine()).toBe('done');
    // 40,002 own and forget lines, about 3 MB: one wake-up per line would be tens of thousands.
    // The journal passes (every 2 s) and timers account for a handful.
    expect(sleeps(tracker) - before).toBeLessThan(50);
    await sleep(4_500); // two journal passes: every finished journal is read and deleted
    const journals = readdirSync(dir).filter((f) => f.startsWith('j-'));
    expect(journals).toHaveLength(1);
    expect(statSync(join(dir, journals[0]!)).size).toBeLessThanOrEqual(1024 * 1024 + 200);
    killGroup(program.child);
    expect(await waitUntil(() => !existsSync(dir), 5_000)).toBe(true);
  }, 30_000);

  describe('a SIGKILLed tracker is succeeded by one that takes over its journals', () => {
    /** Starts `takeover.mjs`; `more` and `end` drive it (see the fixture). */
    async function takeoverProgram(churn = 0, env: NodeJS.ProcessEnv = process.env) {
      const program = await startProgram(fixture('takeover.mjs'), [String(churn)], 'pipe', env);
      const { names, dir } = JSON.parse(program.line) as { names: string[]; dir: string };
      const more = async (): Promise<void> => {
        program.child.stdin!.write('more\n');
        names.push(...(JSON.parse(await program.nextLine()) as { names: string[] }).names);
      };
      const end = async (): Promise<number | null> => {
        const exit = new Promise<number | null>((resolve) => program.child.once('exit', resolve));
        program.child.stdin!.write('end\n');
        return exit;
      };
      return { program, names, dir, more, end };
    }

    /** Every segment in `names` is unlinked, and the tracker's directory removed, in bounded time. */
    async function expectAllGone(names: string[], dir: string): Promise<void> {
      expect(await waitUntil(() => names.every((n) => !shmNames().has(n)), 8_000)).toBe(true);
      expect(await waitUntil(() => !existsSync(dir), 2_000)).toBe(true);
    }

    test('then kill -9 of the whole program still unlinks every segment, also those of finished journals', async () => {
      // 12,000 create + unlink pairs fill more than one journal: the first is deleted by a pass.
      const { program, names, dir, more } = await takeoverProgram(12_000);
      const first = new RegExp(`^j-${program.child.pid}-0-[0-9a-f]+-0\\.log$`);
      expect(await waitUntil(() => !readdirSync(dir).some((f) => first.test(f)), 5_000)).toBe(true);
      expect(names.every((n) => shmNames().has(n))).toBe(true);
      await killTracker(dir);
      await more();
      expect(names).toHaveLength(5);
      killGroup(program.child);
      await expectAllGone(names, dir);
    }, 30_000);

    test('a program that goes on creating segments in parent and child and ends normally leaves nothing', async () => {
      const { names, dir, more, end } = await takeoverProgram();
      process.kill(trackerPid(dir), 'SIGKILL');
      await more();
      await sleep(1_500); // the program notices meanwhile
      await more();
      expect(names).toHaveLength(7);
      expect(await end()).toBe(0);
      await expectAllGone(names, dir);
    }, 30_000);

    test('a program that ends right after its tracker died still leaves a tracker to clean up', async () => {
      const { names, dir, end } = await takeoverProgram();
      const dead = trackerPid(dir);
      process.kill(dead, 'SIGKILL');
      // Dead, not dying: its lock is released (a tracker killed during the exit is not covered).
      expect(await waitUntil(() => !trackerPids(dir).includes(dead), 2_000)).toBe(true);
      expect(await end()).toBe(0);
      await expectAllGone(names, dir);
    }, 30_000);

    test('a program SIGKILLed with its tracker before any process noticed is cleaned up by the next program to start a tracker', async () => {
      // A temporary directory of its own: a suite running beside this one starts trackers too,
      // and the first of them would take this program's journals over before the test looks.
      const tmp = mkdtempSync(join(tmpdir(), 'mp-test-tmp-'));
      const env = { ...process.env, TMPDIR: tmp };
      const { program, names, dir } = await takeoverProgram(0, env);
      const dead = trackerPid(dir);
      process.kill(dead, 'SIGKILL');
      killGroup(program.child);
      expect(await waitUntil(() => trackerPids(dir).length === 0, 2_000)).toBe(true);
      await sleep(1_500);
      // Nobody was left to start a successor: everything is still there.
      expect(names.every((n) => shmNames().has(n))).toBe(true);
      expect(existsSync(dir)).toBe(true);
      const next = await runNode(fixture('next-program.mjs'), [], { env });
      expect([next.code, next.stderr]).toEqual([0, '']);
      await expectAllGone(names, dir);
      rmSync(tmp, { recursive: true, force: true });
    }, 30_000);

    test('a second SIGKILL, of the successor, is survived the same way', async () => {
      const { program, names, dir, more } = await takeoverProgram();
      await killTracker(dir);
      await more();
      await killTracker(dir);
      await more();
      expect(names).toHaveLength(7);
      expect(names.every((n) => shmNames().has(n))).toBe(true);
      killGroup(program.child);
      await expectAllGone(names, dir);
    }, 30_000);
  });
});
