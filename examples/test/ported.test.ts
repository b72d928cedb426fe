// The examples ported for the documentation site: each runs as a user would run it, and its
// whole output is checked.
import { expectOutput, run } from './run-example.js';

describe('Introduction and Process examples from the Python documentation', () => {
  it('pool/pool-intro.ts prints the squares of 1, 2 and 3 from a pool of five', () => {
    expectOutput('pool/pool-intro.ts', '[ 1, 4, 9 ]\n');
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
    expectOutput('process/start-method.ts', 'hello\n');
  });

  it('process/contexts.ts receives "hello" from a child of a spawn context', () => {
    expectOutput('process/contexts.ts', 'hello\n');
  });
});

describe('shared_memory examples from the Python documentation', () => {
  it('shared-memory/shared-memory.ts sees bytes written through one object in the other', () => {
    expectOutput(
      'shared-memory/shared-memory.ts',
      ['true', '10', 'Int8Array(5) [ 22, 33, 44, 55, 100 ]', 'howdy', ''].join('\n'),
    );
  });

  it('shared-memory/typed-arrays.ts sees the change a child made to a BigInt64Array', () => {
    expectOutput(
      'shared-memory/typed-arrays.ts',
      [
        'BigInt64Array(6) [ 1n, 1n, 2n, 3n, 5n, 8n ]',
        'child sees BigInt64Array(6) [ 1n, 1n, 2n, 3n, 5n, 8n ]',
        'BigInt64Array(6) [ 1n, 1n, 2n, 3n, 5n, 888n ]',
        '',
      ].join('\n'),
    );
  });

  it('shared-memory/manager.ts: a SharedMemoryManager makes segments, unlinks them at shutdown, and two processes fill one list', () => {
    expectOutput(
      'shared-memory/manager.ts',
      [
        '[ 0, 1, 2, 3 ]',
        '128',
        "[ 'a', 'l', 'p', 'h', 'a' ]",
        'after shutdown: ENOENT',
        '2664667000',
        '',
      ].join('\n'),
    );
  });

  it('shared-memory/shareable-list.ts changes types in place, refuses what does not fit, and shares by name', () => {
    expectOutput(
      'shared-memory/shareable-list.ts',
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
  });
});

describe('examples of the guide pages', () => {
  it('pool/imap-endless.ts stops an endless imap with break', () => {
    expectOutput('pool/imap-endless.ts', 'took 102 squares; the first over 10000 is 10201\n');
  });

  it('pool/task-timeout.ts kills a task past its timeout, cancels a call by signal, and goes on', () => {
    expectOutput(
      'pool/task-timeout.ts',
      [
        'worked 10 ms',
        'TimeoutError - a task of pool.apply() ran past its timeout of 200 ms',
        'AbortError',
        'worked 20 ms',
        '',
      ].join('\n'),
    );
  });

  it('process/subclass.ts runs the overridden run() with the fields set before start()', () => {
    expectOutput('process/subclass.ts', 'hello from greeter\nexit code 0\n');
  });

  it('process/thread-context.ts runs a Process and a Pool on worker threads', () => {
    expectOutput(
      'process/thread-context.ts',
      ["[ 'spawn', 'thread' ]", 'spawn', 'thread child got 7', '[ 10, 20, 30 ]', ''].join('\n'),
    );
  });

  it('process/unsendable.ts is refused at start() with a message that names the variable', () => {
    expectOutput(
      'process/unsendable.ts',
      'TypeError: target (function scale) is not exported from its module and uses the variable ' +
        'factor from its enclosing scope, so it cannot be sent by source. Export it from its ' +
        'module (it is then sent by reference), or pass factor as an argument.\n',
    );
  });

  it("sharedctypes/increment.ts loses no increment of two processes under the value's lock", () => {
    expectOutput('sharedctypes/increment.ts', '20000\n');
  });

  it('synchronize/hold.ts loses no increment of three processes under lock guards', () => {
    expectOutput('synchronize/hold.ts', '15000\n');
  });

  it('synchronize/semaphore.ts lets at most two of five processes in at a time', () => {
    expectOutput('synchronize/semaphore.ts', '5 downloads, at most 2 at a time\n');
  });

  it('synchronize/condition.ts hands three items from producer to consumer', () => {
    expectOutput(
      'synchronize/condition.ts',
      ['consumed item 1', 'consumed item 2', 'consumed item 3', 'left over: 0', ''].join('\n'),
    );
  });

  it('connection/server-loop.ts refuses the wrong key and serves the right one', () => {
    expectOutput(
      'connection/server-loop.ts',
      [
        'client with key "wrong password": AuthenticationError',
        'server: a client failed to prove the key',
        'server: hello from the client with key "secret password"',
        '',
      ].join('\n'),
    );
  });
});
