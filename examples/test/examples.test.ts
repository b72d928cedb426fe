// Every example runs as a user would run it (`tsx <file>`), and its output is checked.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', file)], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: join(__dirname, '..'),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('Process examples from the Python documentation', () => {
  it('process/hello.ts prints "hello bob" from a child', () => {
    const out = run('process/hello.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('hello bob\n');
    expect(out.status).toBe(0);
  });

  it('process/info.ts shows the main line, then the child with the main process as its parent', () => {
    const out = run('process/info.ts');
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    const [main, mainModule, mainParent, mainPid, f, childModule, childParent, childPid, hello] =
      lines;
    expect([main, mainModule, f, childModule, hello]).toEqual([
      'main line',
      'module name: __main__',
      'function f',
      'module name: __mp_main__',
      'hello bob',
    ]);
    const pid = (line: string | undefined): number => Number(/: (\d+)$/.exec(line ?? '')?.[1]);
    expect(pid(mainParent)).toBeGreaterThan(0);
    expect(pid(childParent)).toBe(pid(mainPid));
    expect(pid(childPid)).not.toBe(pid(mainPid));
  });
});

describe('Synchronization and shared memory examples from the Python documentation', () => {
  it('sharedctypes/value-array.ts prints what the child wrote into Value and Array', () => {
    const out = run('sharedctypes/value-array.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('3.1415927\n[0, -1, -2, -3, -4, -5, -6, -7, -8, -9]\n');
    expect(out.status).toBe(0);
  });

  it('synchronize/lock.ts prints ten whole lines, one process at a time', () => {
    const out = run('synchronize/lock.ts');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `hello world ${i}`).sort());
  });
});

describe('the demo', () => {
  it('runs real processes and reports what each did', () => {
    const out = run('demo.ts');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^multiproc demo — main process pid \d+, \d+ CPUs\n/);
    expect(out.stdout).toContain('part 1: 78498 primes in [0, 1000000)');
    expect(out.stdout).toContain('part 2: 70435 primes in [1000000, 2000000)');
    expect(out.stdout).toContain('part 3: 67883 primes in [2000000, 3000000)');
    expect(out.stdout).toContain('exit codes: Process-1=0, Process-2=0, Process-3=0');
    expect(out.stdout).toMatch(
      /thread \d+ of pid \d+: the sum of the first 1000 squares is 333833500/,
    );
    expect(out.stdout).toMatch(/Crasher \(pid \d+\) exit code 1/);
    expect(out.stdout).toContain('after terminate(): alive=false, exitcode=-15');
    expect(out.stderr).toMatch(/^Process Crasher:\nRangeError: this child fails on purpose\n/);
  });
});
