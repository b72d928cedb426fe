// Whole programs run as real Node processes: what a user sees on the terminal, how long the
// program lives, and what happens to children when the parent goes.
import { isPidAlive, runDriver, startDriver, waitUntil } from './helpers.js';

describe('targets exported from the main script', () => {
  it('work from an ES module main script guarded by isMainProcess()', () => {
    const run = runDriver('main-export.mjs');
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('main=true\nhello bob from Process-1 main=false\nexitcode=0\n');
    expect(run.status).toBe(0);
  });

  it('refuse to start processes from a child importing an unguarded main script, so children do not multiply', () => {
    const run = runDriver('unguarded.mjs');
    expect(run.stdout).toBe('top level, main=true\ntop level, main=false\nexitcode=1\n');
    expect(run.stderr).toContain(
      'ProcessError: a process was started while this child was still importing the module of its target: a module imported by children must not start processes when it loads. Guard that code with `if (isMainProcess()) { … }`',
    );
    expect(run.status).toBe(0);
  });

  it('work from a CommonJS main script guarded by require.main', () => {
    const run = runDriver('main-export.cjs');
    expect(run.stdout).toBe('hi alice from Process-1\nexitcode=0\n');
    expect(run.status).toBe(0);
  });

  it('work from a TypeScript main script: children inherit the loader (tsx) through execArgv', () => {
    const run = runDriver('ts-target.ts', [], ['--import', 'tsx']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'typed hello ts from Process-1\ntyped hello ts from Process-1\nexitcode=0\n',
    );
  });
});

describe('an uncaught error in a child', () => {
  it("prints 'Process <name>:' and the stack on the child's stderr and gives exit code 1", () => {
    const run = runDriver('uncaught.mjs');
    expect(run.stdout).toBe('exitcode=1\n');
    expect(run.stderr).toMatch(/^Process Failing:\nRangeError: boom in the child\n {4}at boom /);
  });
});

describe('the end of the parent', () => {
  it('waits for non-daemon children and terminates daemon children', async () => {
    const started = performance.now();
    const { child, firstLine } = startDriver('daemon.mjs', ['600']);
    const pids = await firstLine;
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lived = performance.now() - started;
    expect(code).toBe(0);
    // It waited for the 600 ms worker, not for the daemon that never ends.
    expect(lived).toBeGreaterThanOrEqual(600);
    expect(lived).toBeLessThan(10_000);
    expect(
      await waitUntil(() => !isPidAlive(pids['daemon'] as number), 2000),
    ).toBeGreaterThanOrEqual(0);
    expect(isPidAlive(pids['worker'] as number)).toBe(false);
  });

  it.each(['idle', 'busy'])('SIGKILL of the parent ends an %s child within 2 s', async (kind) => {
    const { child, firstLine } = startDriver('parent-killed.mjs', [kind]);
    const { child: grandchild } = await firstLine;
    expect(isPidAlive(grandchild as number)).toBe(true);
    child.kill('SIGKILL');
    const elapsed = await waitUntil(() => !isPidAlive(grandchild as number), 2000);
    if (elapsed < 0) process.kill(grandchild as number, 'SIGKILL');
    expect(elapsed).toBeGreaterThanOrEqual(0);
  });

  it.each(['idle', 'busy'])(
    '%s: a child started from a worker thread outlives that thread, and ends within 2 s of a SIGKILL of its process',
    async (kind) => {
      const { child, firstLine } = startDriver('thread-parent.mjs', [kind]);
      const { child: grandchild } = await firstLine;
      try {
        // The thread has exited (it printed, then called exit): the child must still run.
        await new Promise((r) => setTimeout(r, 500));
        expect(isPidAlive(grandchild as number)).toBe(true);
        child.kill('SIGKILL');
        const elapsed = await waitUntil(() => !isPidAlive(grandchild as number), 2000);
        expect(elapsed).toBeGreaterThanOrEqual(0);
      } finally {
        child.kill('SIGKILL');
        if (isPidAlive(grandchild as number)) process.kill(grandchild as number, 'SIGKILL');
      }
    },
  );
});

describe.each([
  ['join()', 'daemon-join.mjs'],
  ['sentinel', 'daemon-sentinel.mjs'],
])('an awaited %s of a daemon child', (_, script) => {
  it.each([
    ['kill', '-9'],
    ['pause', '0'],
  ])(
    'keeps the program alive until the child ends (%s), with nothing else pending',
    (how, exitcode) => {
      const run = runDriver(script, [how]);
      expect([run.status, run.stdout, run.stderr]).toEqual([0, `${exitcode}\n`, '']);
    },
  );
});

describe('a sentinel of a daemon child that is only read', () => {
  it('does not hold the program', () => {
    const run = runDriver('daemon-sentinel.mjs', ['unawaited']);
    expect([run.status, run.stdout, run.stderr]).toEqual([0, 'true\n', '']);
  });
});

describe('execArgv passed to children', () => {
  it('keeps loaders and flags, drops the inspector (its port is taken)', () => {
    const run = runDriver(
      'exec-argv.mjs',
      [],
      [
        '--inspect=127.0.0.1:0',
        '--max-old-space-size=300',
        '--enable-source-maps',
        '--import',
        'tsx',
      ],
    );
    expect(JSON.parse(run.stdout)).toEqual([
      '--max-old-space-size=300',
      '--enable-source-maps',
      '--import',
      'tsx',
    ]);
    expect(run.status).toBe(0);
  });
});
