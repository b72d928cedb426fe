// Every example runs as a user would run it (`tsx <file>`), and its output is checked.
import { run, runTimed, startServer } from './run-example.js';

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

describe('Pool examples from the Python documentation', () => {
  it('pool/pool-workers.ts: map, imapUnordered, applyAsync().get(1000), pids, and the sleep that times out', async () => {
    const out = await runTimed('pool/pool-workers.ts');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lines = out.lines.map((l) => l.text);
    expect(lines).toHaveLength(18);
    const squares = [0, 1, 4, 9, 16, 25, 36, 49, 64, 81];
    expect(lines[0]).toBe(`[${squares.join(', ')}]`);
    expect(
      lines
        .slice(1, 11)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(squares);
    expect(lines[11]).toBe('400');
    expect(Number(lines[12])).toBeGreaterThan(0);
    expect(lines[13]).toMatch(/^\[\d+, \d+, \d+, \d+\]$/);
    expect(lines.slice(14)).toEqual([
      'We lacked patience and got a multiprocessing.TimeoutError',
      'For the moment, the pool remains available for more work',
      '9',
      'Now the pool is closed and no longer available',
    ]);
    // Leaving the block terminated the sleeping worker instead of waiting out its 10 s.
    const patience = out.lines[14] as { at: number };
    expect(out.exitAt - patience.at).toBeLessThan(5000);
  });

  it('pool/using-pool.ts: the "Using Pool" demo, errors and timeouts included', () => {
    const out = run('pool/using-pool.ts');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const text = out.stdout;
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => `mul(${i}, 7) = ${i * 7}`),
      ...Array.from({ length: 10 }, (_, i) => `plus(${i}, 8) = ${i + 8}`),
    ];
    const section = (title: string): string[] => {
      const start = text.indexOf(`${title}\n`);
      expect(start).toBeGreaterThanOrEqual(0);
      const body = text.slice(start + title.length + 1).split('\n\n')[0] as string;
      return body.split('\n').map((line) => {
        const match = /^\t PoolWorker-[1-4] says that (.*)$/.exec(line);
        expect(match).not.toBeNull();
        return (match as RegExpExecArray)[1] as string;
      });
    };
    expect(text.startsWith('Creating pool with 4 processes\n\n')).toBe(true);
    expect(section('Ordered results using pool.applyAsync():')).toEqual(expected);
    expect(section('Ordered results using pool.imap():')).toEqual(expected);
    expect(section('Unordered results using pool.imapUnordered():').sort()).toEqual(
      [...expected].sort(),
    );
    expect(section('Ordered results using pool.map() --- will block till complete:')).toEqual(
      expected,
    );
    expect(text).toContain(
      [
        'Testing error handling:',
        '\tGot ZeroDivisionError as expected from pool.apply()',
        '\tGot ZeroDivisionError as expected from pool.map()',
        '\tGot ZeroDivisionError as expected from list(pool.imap())',
        '\tGot ZeroDivisionError as expected from IMapIterator.next()',
      ].join('\n'),
    );
    // get(20) times out (a dot) until mul(0, 7) is done, 0 to 500 ms later.
    expect(text).toMatch(
      /Testing ApplyResult\.get\(\) with timeout:\.*\n\tPoolWorker-[1-4] says that mul\(0, 7\) = 0\n\n/,
    );
    const timed = text.slice(text.indexOf('Testing IMapIterator.next() with timeout:'));
    const results = [...timed.matchAll(/\n\tPoolWorker-[1-4] says that ([^.\n]*)/g)].map(
      (m) => m[1],
    );
    expect(results).toEqual(expected);
    expect(timed).toContain('.');
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

describe('Connection examples from the Python documentation', () => {
  it('connection/pipe.ts receives what the child sent through a Pipe', () => {
    const out = run('connection/pipe.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe("[ 42, null, 'hello' ]\n");
    expect(out.status).toBe(0);
  });

  it('connection/connection-objects.ts sends objects, bytes and bytes into an Int32Array', () => {
    const out = run('connection/connection-objects.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        "[ 1, 'hello', null ]",
        'thank you',
        '20 Int32Array(10) [',
        '  0, 1, 2, 3, 4,',
        '  0, 0, 0, 0, 0',
        ']',
        '',
      ].join('\n'),
    );
    expect(out.status).toBe(0);
  });

  it("connection/server.ts and client.ts talk over TCP with 'secret password'", async () => {
    const server = await startServer(
      'connection/server.ts',
      ['0'],
      /^listening on \[ '127\.0\.0\.1', (\d+) \]\n/,
    );
    const { port } = server;
    try {
      const client = run('connection/client.ts', [String(port)]);
      expect(client.stderr).toBe('');
      expect(client.stdout).toBe(
        [
          "[ 2.25, null, 'junk', 10n ]",
          'hello',
          '8',
          'Int32Array(5) [ 42, 1729, 0, 0, 0 ]',
          '',
        ].join('\n'),
      );
      expect(client.status).toBe(0);
      expect(await server.exited).toBe(0);
      expect(server.err()).toBe('');
      expect(server.out()).toMatch(
        new RegExp(
          `^listening on \\[ '127\\.0\\.0\\.1', ${port} \\]\nconnection accepted from \\[ '127\\.0\\.0\\.1', \\d+ \\]\n$`,
        ),
      );
    } finally {
      await server.stop();
    }
  });

  it('connection/wait.ts gets ten messages, in order, from each of four processes', () => {
    const out = run('connection/wait.ts');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(40);
    const byProcess = new Map<string, number[]>();
    for (const line of lines) {
      const match = /^\[ (\d), '(Process-\d)' \]$/.exec(line);
      expect(match).not.toBeNull();
      const [, i, name] = match as RegExpExecArray;
      byProcess.set(name as string, [...(byProcess.get(name as string) ?? []), Number(i)]);
    }
    expect([...byProcess.keys()].sort()).toEqual([
      'Process-1',
      'Process-2',
      'Process-3',
      'Process-4',
    ]);
    for (const sequence of byProcess.values())
      expect(sequence).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
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
    expect(out.stdout).toContain('squares: [1, 4, 9, 16, 25, 36, 49, 64]');
    const perWorker = /items per worker pid: (.*)\n/.exec(out.stdout)?.[1] ?? '';
    const counts = [...perWorker.matchAll(/\d+: (\d+)/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
    // Two workers (how they share the 8 tasks depends on how fast each started).
    expect(counts.length).toBeGreaterThanOrEqual(1);
    expect(counts.length).toBeLessThanOrEqual(2);
    expect(out.stdout).toMatch(/pids \d+, \d+, \d+, \d+ → counter = 40000\n/);
    expect(out.stdout).toMatch(/sent "hello", got "HELLO \(from pid \d+\)"/);
    expect(out.stdout).toMatch(/sent "world", got "WORLD \(from pid \d+\)"/);
    expect(out.stdout).toContain('the child saw the pipe close and exited with 0');
    expect(out.stdout).toMatch(/Crasher \(pid \d+\) exit code 1/);
    expect(out.stdout).toContain('after terminate(): alive=false, exitcode=-15');
    expect(out.stderr).toMatch(/^Process Crasher:\nRangeError: this child fails on purpose\n/);
  });
});
