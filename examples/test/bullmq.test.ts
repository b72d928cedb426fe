// The distributed pool example runs as a user would run it: a redis-server of the test's own on a
// free port, a `multiproc-worker` command with an allow-list, then `tsx bullmq/distributed.ts`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from '../../tooling/test-helpers.js';

const examplesDir = join(__dirname, '..');
// The example, and the module of tasks it names (which the worker imports).
const example = 'bullmq/distributed.ts';
const tasksModule = 'bullmq/tasks.ts';
// The command `npx multiproc-worker` runs, from the examples package's own dependencies.
const workerCli = join(examplesDir, 'node_modules', '@multiproc', 'bullmq', 'dist', 'cli.cjs');

/** Starts `command` and resolves once its stdout shows `ready`; rejects if it exits first. */
async function startUntil(
  command: string,
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(command, args, { cwd: examplesDir, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${out}${err}`));
    });
  });
  return { child, stderr: () => err };
}

const started: ChildProcess[] = [];

/** SIGTERM, then SIGKILL after 10 s; resolves with the exit code once the process has exited. */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exit = once(child, 'exit') as Promise<[number | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = await exit;
  clearTimeout(timer);
  return code;
}

afterAll(async () => {
  for (const child of started.reverse()) await stop(child);
});

describe('the distributed pool example (@multiproc/bullmq)', () => {
  it('bullmq/distributed.ts maps, applies and imaps through a multiproc-worker', async () => {
    if (spawnSync('redis-server', ['--version']).error) {
      throw new Error(
        'redis-server is not on PATH: this example needs a real Redis ' +
          '(Debian/Ubuntu: apt-get install -y redis-server; .ci/run installs it)',
      );
    }
    const port = await freePort();
    const redis = await startUntil(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      /Ready to accept connections/,
    );
    const url = `redis://127.0.0.1:${port}`;
    const worker = await startUntil(
      process.execPath,
      [
        '--import',
        'tsx',
        workerCli,
        '--redis',
        url,
        '--queue',
        'pages',
        '--processes',
        '2',
        '--allow-module',
        join(examplesDir, tasksModule),
      ],
      /multiproc-worker: ready/,
    );

    const caller = spawn(
      process.execPath,
      ['--import', 'tsx', join(examplesDir, example), url, 'pages'],
      { cwd: examplesDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.push(caller);
    let stdout = '';
    let stderr = '';
    caller.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    caller.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [status] = (await once(caller, 'close')) as [number | null];

    expect(stderr).toBe('');
    expect(stdout).toBe(['[ 1, 4, 9 ]', '144', 'page 1', 'page 2', 'page 3', '3', ''].join('\n'));
    expect(status).toBe(0);
    // A graceful stop: SIGTERM lets the worker finish and stop its processes.
    expect(await stop(worker.child)).toBe(0);
    expect(worker.stderr()).toBe('multiproc-worker: SIGTERM: finishing running chunks\n');
    expect(await stop(redis.child)).toBe(0);
  }, 90_000);
});
