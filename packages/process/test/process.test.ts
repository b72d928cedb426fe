import { join } from 'node:path';
import {
  Process,
  ProcessError,
  activeChildren,
  cpuCount,
  currentProcess,
  getContext,
  isMainProcess,
  parentProcess,
  taskRef,
} from '@multiproc/process';
import { existsSync, killLeftovers, readJson, tempDir, waitUntil } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Recorder, ThreadRecorder } = require('./fixtures/subclass.cjs') as Record<
  'Recorder' | 'ThreadRecorder',
  new (options?: object) => Process & { file?: string; payload?: unknown }
>;

const tmp = tempDir();
afterEach(killLeftovers);
afterAll(() => tmp.cleanup());

interface Seen {
  args: unknown[];
  pid: number;
  ppid: number;
  name: string;
  daemon: boolean;
  identity: number[];
  startMethod: string;
  threadId: number;
  isMain: boolean;
  parent: { pid: number; name: string; alive: boolean };
  env: string | null;
  cwd: string;
  authkeyLength: number;
}

describe.each(['spawn', 'thread'] as const)('Process with the %s start method', (method) => {
  const { Process: P } = getContext(method);

  it('runs the target with its arguments in a child that knows who it is', async () => {
    const file = tmp.file(`${method}-record.json`);
    const p = new P({
      target: targets['record'],
      args: [file, 1, 'two', { three: [3] }],
      name: 'Recorder-A',
    });
    expect(p.pid).toBeUndefined();
    expect(p.exitcode).toBeNull();
    p.start();
    expect(p.pid).toEqual(expect.any(Number));
    await p.join();
    expect(p.exitcode).toBe(0);
    const seen = readJson<Seen>(file);
    expect(seen.args).toEqual([1, 'two', { three: [3] }]);
    expect(seen.name).toBe('Recorder-A');
    expect(seen.isMain).toBe(false);
    expect(seen.startMethod).toBe(method);
    expect(seen.daemon).toBe(false);
    expect(seen.parent).toEqual({ pid: process.pid, name: 'MainProcess', alive: true });
    expect(seen.authkeyLength).toBe(32);
    if (method === 'spawn') {
      expect(seen.pid).toBe(p.pid);
      expect(seen.pid).not.toBe(process.pid);
      expect(seen.ppid).toBe(process.pid);
      expect(seen.threadId).toBe(0);
    } else {
      expect(seen.pid).toBe(process.pid);
      expect(seen.threadId).toBeGreaterThan(0);
    }
  });

  it('names children Process-N and numbers nested ones', async () => {
    const p = new P({ target: targets['sleep'], args: [0] });
    expect(p.name).toMatch(/^Process-\d+$/);
    const file = tmp.file(`${method}-identity.json`);
    const q = new P({ target: targets['record'], args: [file] });
    q.start();
    await q.join();
    const seen = readJson<Seen>(file);
    expect(seen.name).toBe(q.name);
    expect(seen.identity).toEqual([Number(q.name.split('-')[1])]);
  });

  it.each<[string, string, unknown[], number]>([
    ['returns', 'sleep', [1], 0],
    ['throws', 'fail', ['on purpose'], 1],
    ['calls process.exit(7)', 'exitWith', [7], 7],
    ['calls process.exit(0) early', 'exitWith', [0], 0],
  ])('reports the exit code of a target that %s', async (_how, name, args, code) => {
    const p = new P({ target: targets[name], args });
    p.start();
    await p.join();
    expect(p.exitcode).toBe(code);
    expect(p.isAlive()).toBe(false);
    await expect(p.sentinel).resolves.toBe(code);
  });

  it.each([
    ['terminate', -15],
    ['kill', -9],
  ] as const)('%s() stops a running child with exit code %i', async (how, code) => {
    const p = new P({ target: targets['sleepForever'] });
    p.start();
    await p.join(150);
    expect(p.isAlive()).toBe(true);
    expect(p.exitcode).toBeNull();
    p[how]();
    await p.join();
    expect(p.exitcode).toBe(code);
    expect(p.isAlive()).toBe(false);
  });

  it('join(timeout) resolves after the timeout while the child still runs', async () => {
    const p = new P({ target: targets['sleep'], args: [3000] });
    p.start();
    const started = performance.now();
    await p.join(200);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(195);
    expect(waited).toBeLessThan(2500);
    expect(p.isAlive()).toBe(true);
    expect(activeChildren()).toContain(p);
    p.kill();
    await p.join();
    expect(activeChildren()).not.toContain(p);
  });

  it('awaits a target that returns a promise before exiting', async () => {
    const file = tmp.file(`${method}-later.txt`);
    const p = new P({ target: targets['writeLater'], args: [file, 'done', 150] });
    p.start();
    await p.join();
    expect(p.exitcode).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  it('runs an exported subclass that overrides run(), with its own fields', async () => {
    const file = tmp.file(`${method}-subclass.json`);
    const r = new (method === 'spawn' ? Recorder : ThreadRecorder)({ name: 'Rec' });
    r.file = file;
    r.payload = { list: [1, 2], when: 'now' };
    expect(r.startMethod).toBe(method);
    r.start();
    await r.join();
    expect(r.exitcode).toBe(0);
    expect(readJson(file)).toEqual({
      payload: { list: [1, 2], when: 'now' },
      name: 'Rec',
      current: 'Rec',
      pid: r.pid,
    });
  });

  it('runs a self-contained function sent by source and a taskRef() target', async () => {
    const file = tmp.file(`${method}-source.txt`);
    const viaSource = new P({
      // A function sent by source gets `require` in the child; it may use nothing else from here.
      target: (path: string, text: string) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('node:fs') as typeof import('node:fs')).writeFileSync(path, text.toUpperCase());
      },
      args: [file, 'by source'],
    });
    viaSource.start();
    await viaSource.join();
    expect(viaSource.exitcode).toBe(0);
    const byRef = new P({
      target: taskRef(join(__dirname, 'fixtures', 'targets.cjs'), 'exitWith'),
      args: [3],
    });
    byRef.start();
    await byRef.join();
    expect(byRef.exitcode).toBe(3);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(file, 'utf8')).toBe('BY SOURCE');
  });
});

describe('the current process', () => {
  it('is the main process, with no parent', () => {
    expect(isMainProcess()).toBe(true);
    expect(currentProcess().name).toBe('MainProcess');
    expect(currentProcess().pid).toBe(process.pid);
    expect(currentProcess().startMethod).toBeNull();
    expect(currentProcess().authkey).toHaveLength(32);
    expect(parentProcess()).toBeNull();
    expect(cpuCount()).toBeGreaterThanOrEqual(1);
  });
});

describe('daemon children', () => {
  it('may not start children of their own', async () => {
    const file = tmp.file('grandchild.json');
    const p = new Process({ target: targets['startGrandchild'], args: [file], daemon: true });
    expect(p.daemon).toBe(true);
    p.start();
    await p.join();
    expect(readJson(file)).toEqual({
      error: 'ProcessError: daemonic processes are not allowed to have children',
    });
  });

  it('pass the daemon flag to the child', async () => {
    const file = tmp.file('daemon.json');
    const p = new Process({ target: targets['record'], args: [file], daemon: true });
    p.start();
    await p.join();
    expect(readJson<Seen>(file).daemon).toBe(true);
  });
});

describe('environment of a spawn child', () => {
  it('inherits env and cwd', async () => {
    const file = tmp.file('env.json');
    process.env['MULTIPROC_TEST_VALUE'] = 'inherited';
    try {
      const p = new Process({ target: targets['record'], args: [file] });
      p.start();
      await p.join();
    } finally {
      delete process.env['MULTIPROC_TEST_VALUE'];
    }
    const seen = readJson<Seen>(file);
    expect(seen.env).toBe('inherited');
    expect(seen.cwd).toBe(process.cwd());
  });
});

describe('bad use', () => {
  it('start() twice throws', async () => {
    const p = new Process({ target: targets['sleep'], args: [0] });
    p.start();
    expect(() => p.start()).toThrow(new ProcessError('cannot start a process twice'));
    await p.join();
  });

  it('join() before start() rejects', async () => {
    const p = new Process({ target: targets['sleep'] });
    await expect(p.join()).rejects.toThrow(new ProcessError('can only join a started process'));
    await expect(p.join(NaN)).rejects.toThrow(
      new TypeError(
        'timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
      ),
    );
  });

  it('close() while running throws; after exit it releases the object', async () => {
    const p = new Process({ target: targets['sleep'], args: [2000], name: 'Busy' });
    p.start();
    expect(() => p.close()).toThrow(
      new ProcessError(
        'cannot close process Busy while it is still running; join() or terminate() it first',
      ),
    );
    p.terminate();
    await p.join();
    p.close();
    p.close();
    expect(() => p.pid).toThrow(new ProcessError('process Busy is closed'));
    expect(() => p.start()).toThrow('process Busy is closed');
  });

  it('setting daemon after start() throws', async () => {
    const p = new Process({ target: targets['sleep'], args: [0] });
    p.start();
    expect(() => {
      p.daemon = true;
    }).toThrow(new ProcessError('cannot set daemon status of a started process'));
    await p.join();
  });

  it('terminate() or sentinel before start() throw', () => {
    const p = new Process({ target: targets['sleep'] });
    expect(() => p.terminate()).toThrow('cannot terminate a process that was not started');
    expect(() => p.kill()).toThrow('cannot kill a process that was not started');
    expect(() => p.sentinel).toThrow('the process has not been started');
  });

  it.each([
    [{ target: 5 }, 'options.target must be a function or a taskRef(), got 5 (number)'],
    [{ target: 'run' }, 'options.target must be a function or a taskRef(), got "run" (string)'],
    [{ target: targets['sleep'], args: 'x' }, 'options.args must be an array, got "x" (string)'],
    [{ target: targets['sleep'], name: 3 }, 'options.name must be a string, got 3 (number)'],
    [
      { target: targets['sleep'], daemon: 'yes' },
      'options.daemon must be a boolean, got "yes" (string)',
    ],
  ])('new Process(%j) throws a TypeError naming the option', (options, message) => {
    expect(() => new Process(options as never)).toThrow(new TypeError(message));
  });

  it('refuses an argument that cannot be sent, naming its path, before starting anything', () => {
    const before = activeChildren().length;
    const p = new Process({ target: targets['sleep'], args: [1, { handler: () => 1 }] });
    expect(() => p.start()).toThrow(
      'args[1].handler is a function and cannot be sent: functions (here handler) travel only as targets or tasks',
    );
    expect(p.pid).toBeUndefined();
    expect(activeChildren().length).toBe(before);
  });

  it('refuses a closure target and names the variable', () => {
    const secret = 42;
    const p = new Process({ target: () => secret });
    expect(() => p.start()).toThrow(/uses the variable secret from its enclosing scope/);
  });

  it('refuses a subclass that its module does not export', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { makeUnexported } = require('./fixtures/subclass.cjs') as {
      makeUnexported: () => Process;
    };
    const p = makeUnexported();
    expect(() => p.start()).toThrow(
      'NotExportedHolder overrides Process and must be exported from its module, so the child can rebuild it',
    );
  });

  it('refuses to send a Process object', () => {
    const other = new Process({ target: targets['sleep'] });
    const p = new Process({ target: targets['sleep'], args: [other] });
    expect(() => p.start()).toThrow('args[0] is a Process object and cannot be sent');
  });
});

describe('activeChildren()', () => {
  it('lists running children and reaps finished ones', async () => {
    const p = new Process({ target: targets['sleep'], args: [400] });
    p.start();
    expect(activeChildren()).toContain(p);
    expect(await waitUntil(() => !activeChildren().includes(p), 10_000)).toBeGreaterThanOrEqual(0);
    expect(p.exitcode).toBe(0);
  });
});
