// The examples ported for the documentation site: each runs as a user would run it, and its
// whole output is checked.
import { run } from './run-example.js';

describe('Introduction and Process examples from the Python documentation', () => {
  it('pool/pool-intro.ts prints the squares of 1, 2 and 3 from a pool of five', () => {
    const out = run('pool/pool-intro.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('[ 1, 4, 9 ]\n');
    expect(out.status).toBe(0);
  });

  it('process/methods.ts shows a process initial, started, then stopped by SIGTERM', () => {
    const out = run('process/methods.ts');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('<Process name="Process-1" initial> false');
    const pid = /^<Process name="Process-1" pid=(\d+) started> true$/.exec(lines[1] ?? '')?.[1];
    expect(Number(pid)).toBeGreaterThan(0);
    expect(lines.slice(2)).toEqual([
      `<Process name="Process-1" pid=${pid} stopped exitcode=-15> false`,
      'true',
      '',
    ]);
  });

  it('process/start-method.ts receives "hello" from a child started with setStartMethod', () => {
    const out = run('process/start-method.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('hello\n');
    expect(out.status).toBe(0);
  });

  it('process/contexts.ts receives "hello" from a child of a spawn context', () => {
    const out = run('process/contexts.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('hello\n');
    expect(out.status).toBe(0);
  });
});

describe('shared_memory examples from the Python documentation', () => {
  it('shared-memory/shared-memory.ts sees bytes written through one object in the other', () => {
    const out = run('shared-memory/shared-memory.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      ['true', '10', 'Int8Array(5) [ 22, 33, 44, 55, 100 ]', 'howdy', ''].join('\n'),
    );
    expect(out.status).toBe(0);
  });

  it('shared-memory/typed-arrays.ts sees the change a child made to a BigInt64Array', () => {
    const out = run('shared-memory/typed-arrays.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        'BigInt64Array(6) [ 1n, 1n, 2n, 3n, 5n, 8n ]',
        'child sees BigInt64Array(6) [ 1n, 1n, 2n, 3n, 5n, 8n ]',
        'BigInt64Array(6) [ 1n, 1n, 2n, 3n, 5n, 888n ]',
        '',
      ].join('\n'),
    );
    expect(out.status).toBe(0);
  });

  it('shared-memory/shareable-list.ts changes types in place, refuses what does not fit, and shares by name', () => {
    const out = run('shared-memory/shareable-list.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        'string, Uint8Array, number, number, null, boolean, number',
        '-273.154',
        '-78.5',
        'dry ice',
        'RangeError',
        'dry ice',
        '7',
        '0',
        '6',
        '[ 0, 1, 2, 3, 4 ]',
        '-999',
        '',
      ].join('\n'),
    );
    expect(out.status).toBe(0);
  });
});

describe('examples of the guide pages', () => {
  it('pool/imap-endless.ts stops an endless imap with break', () => {
    const out = run('pool/imap-endless.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('took 102 squares; the first over 10000 is 10201\n');
    expect(out.status).toBe(0);
  });

  it('pool/task-timeout.ts kills a task past its timeout, cancels a call by signal, and goes on', () => {
    const out = run('pool/task-timeout.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        'worked 10 ms',
        'TimeoutError - a task of pool.apply() ran past its timeout of 200 ms',
        'AbortError',
        'worked 20 ms',
        '',
      ].join('\n'),
    );
    expect(out.status).toBe(0);
  });

  it('process/subclass.ts runs the overridden run() with the fields set before start()', () => {
    const out = run('process/subclass.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('hello from greeter\nexit code 0\n');
    expect(out.status).toBe(0);
  });

  it('process/thread-context.ts runs a Process and a Pool on worker threads', () => {
    const out = run('process/thread-context.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      ["[ 'spawn', 'thread' ]", 'spawn', 'thread child got 7', '[ 10, 20, 30 ]', ''].join('\n'),
    );
    expect(out.status).toBe(0);
  });

  it('process/unsendable.ts is refused at start() with a message that names the variable', () => {
    const out = run('process/unsendable.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      'TypeError: target (function scale) is not exported from its module and uses the variable ' +
        'factor from its enclosing scope, so it cannot be sent by source. Export it from its ' +
        'module (it is then sent by reference), or pass factor as an argument.\n',
    );
    expect(out.status).toBe(0);
  });

  it("sharedctypes/increment.ts loses no increment of two processes under the value's lock", () => {
    const out = run('sharedctypes/increment.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('20000\n');
    expect(out.status).toBe(0);
  });

  it('synchronize/hold.ts loses no increment of three processes under lock guards', () => {
    const out = run('synchronize/hold.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('15000\n');
    expect(out.status).toBe(0);
  });

  it('synchronize/semaphore.ts lets at most two of five processes in at a time', () => {
    const out = run('synchronize/semaphore.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('5 downloads, at most 2 at a time\n');
    expect(out.status).toBe(0);
  });

  it('synchronize/condition.ts hands three items from producer to consumer', () => {
    const out = run('synchronize/condition.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      ['consumed item 1', 'consumed item 2', 'consumed item 3', 'left over: 0', ''].join('\n'),
    );
    expect(out.status).toBe(0);
  });

  it('connection/server-loop.ts refuses the wrong key and serves the right one', () => {
    const out = run('connection/server-loop.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        'client with key "wrong password": AuthenticationError',
        'server: a client failed to prove the key',
        'server: hello from the client with key "secret password"',
        '',
      ].join('\n'),
    );
    expect(out.status).toBe(0);
  });
});
