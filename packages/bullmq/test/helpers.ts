// Real Redis servers and real `multiproc-worker` processes for the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort } from '../../../tooling/test-helpers.js';

export const cli = join(__dirname, '..', 'dist', 'cli.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const tasks = require('./fixtures/tasks.cjs') as typeof import('./fixtures/tasks.cjs');

/** Everything a test started, stopped in `afterAll` whatever happened (and on exit, as a backstop). */
const started = new Set<ChildProcess>();
const folders = new Set<string>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});
// Jest may end its worker processes without an 'exit' event, so folders go after the file's tests.
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
  started.delete(child);
}

/** A redis-server of the test's own on 127.0.0.1 and a free port. */
export interface TestRedis {
  url: string;
  port: number;
  /** the CA certificate clients trust (TLS servers only) */
  ca: string;
  /** stops it (SIGTERM: it writes its append-only file first) */
  stop(): Promise<void>;
  /** starts it again on the same port and data folder */
  start(): Promise<void>;
}

/**
 * Starts redis-server (`--save '' --appendonly no`, or `--appendonly yes` in a temp folder).
 * Fails with a clear message when redis-server is not installed: these tests never skip.
 */
export async function startRedis(
  options: { appendonly?: boolean; password?: string; tls?: boolean } = {},
): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'redis-server is not on PATH: the @multiproc/bullmq tests need a real Redis ' +
        '(Debian/Ubuntu: apt-get install -y redis-server; .ci/run installs it)',
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'multiproc-bullmq-redis-'));
  folders.add(dir);
  let child: ChildProcess | null = null;
  const ca = join(dir, 'cert.pem');
  if (options.tls) {
    // One self-signed certificate for 127.0.0.1 serves as the server's and as the clients' CA.
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      ca,
    ]);
    if (made.error)
      throw new Error(
        'openssl is not on PATH: the TLS test makes its certificate with it (apt-get install -y openssl)',
      );
    if (made.status !== 0) throw new Error(`openssl failed: ${String(made.stderr)}`);
  }
  const start = async (): Promise<void> => {
    const args = options.tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', ca]
      : ['--port', String(port)];
    if (options.tls)
      args.push(
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-ca-cert-file',
        ca,
        '--tls-auth-clients',
        'no',
      );
    args.push('--bind', '127.0.0.1', '--save', '', '--dir', dir);
    args.push('--appendonly', options.appendonly ? 'yes' : 'no');
    if (options.password) args.push('--requirepass', options.password);
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    started.add(c);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${out}`)),
        10_000,
      );
      c.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', () => reject(new Error(`redis-server exited: ${out}`)));
    });
  };
  await start();
  return {
    url: `${options.tls ? 'rediss' : 'redis'}://${options.password ? `:${options.password}@` : ''}127.0.0.1:${port}`,
    ca,
    port,
    start,
    stop: async () => {
      if (child) await stop(child);
      child = null;
    },
  };
}

/** A running `multiproc-worker`; `stderr` keeps what it printed. */
export interface TestWorker {
  child: ChildProcess;
  pid: number;
  stderr(): string;
}

/** Starts `multiproc-worker` and waits for its ready line. Short locks, so kill tests are quick. */
export async function startWorker(
  redis: TestRedis,
  queue: string,
  extra: string[] = [],
): Promise<TestWorker> {
  const child = spawn(
    process.execPath,
    [
      cli,
      '--redis',
      redis.url,
      '--queue',
      queue,
      '--processes',
      '1',
      '--lock-duration',
      '1500',
      '--stalled-interval',
      '1000',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.add(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`multiproc-worker did not start: ${err}`)),
      15_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`multiproc-worker exited with ${code}: ${err}`)));
  });
  return { child, pid: child.pid as number, stderr: () => err };
}

/** Every descendant of `pid` (from /proc), so tests can check none outlives its worker. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number);
    } catch {
      return;
    }
    for (const c of children) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** Whether `pid` is alive (and not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `predicate` holds or `ms` pass. */
export async function waitUntil(predicate: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}

/** A temp folder of the test's own, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'multiproc-bullmq-test-'));
  folders.add(dir);
  return dir;
}

/** Lines of a file, or [] when it does not exist. */
export function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Settles a promise into `{ ok, value | error }`. */
export async function settle<T>(
  p: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: Error & { code?: string } }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error: error as Error & { code?: string } };
  }
}
