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
