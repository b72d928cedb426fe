// Real Redis servers and real `multiproc-worker` processes for the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, isPidAlive, waitUntil } from '../../../tooling/test-helpers.js';

export { isPidAlive as alive, waitUntil };

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

/**
 * Resolves once `child` has printed `line` on stdout; rejects when it exits first or `ms` pass,
 * with `detail()` (by default what it printed) in the message.
 */
function untilPrinted(
  child: ChildProcess,
  line: string,
  what: string,
  ms: number,
  detail?: () => string,
): Promise<void> {
  let out = '';
  const why = (): string => (detail ? detail() : out);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${why()}`)), ms);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${why()}`));
    });
  });
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
export interface RedisOptions {
  appendonly?: boolean;
  password?: string;
  tls?: boolean;
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
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
    await untilPrinted(c, 'Ready to accept connections', 'redis-server', 10_000);
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

/**
 * Starts `multiproc-worker` and waits for its ready line. Short locks, so kill tests are quick.
 * `execArgv` goes to node before the command (`['--import', 'tsx']`).
 */
export async function startWorker(
  redis: TestRedis,
  queue: string,
  extra: string[] = [],
  execArgv: string[] = [],
): Promise<TestWorker> {
  const child = spawn(
    process.execPath,
    [
      ...execArgv,
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
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await untilPrinted(child, 'ready', 'multiproc-worker', 15_000, () => err);
  return { child, pid: child.pid as number, stderr: () => err };
}

/** A test file's Redis and workers, from {@link useCluster}. */
export interface TestCluster {
  readonly redis: TestRedis;
  /** Starts one more worker on `queue`, stopped with the others after the file's tests. */
  worker(queue: string, extra?: string[], execArgv?: string[]): Promise<TestWorker>;
}

/**
 * Starts a Redis (and `workers` workers on `queue`) before the file's tests; after them stops
 * every worker and Redis, and fails if a worker or a local process of one outlives its SIGTERM.
 */
export function useCluster(
  options: { redis?: RedisOptions; queue?: string; workers?: number } = {},
): TestCluster {
  let redis: TestRedis | undefined;
  const workers: TestWorker[] = [];
  const cluster: TestCluster = {
    get redis(): TestRedis {
      if (redis === undefined) throw new Error('useCluster: Redis starts in beforeAll');
      return redis;
    },
    async worker(queue, extra = [], execArgv = []) {
      const w = await startWorker(cluster.redis, queue, extra, execArgv);
      workers.push(w);
      return w;
    },
  };
  beforeAll(async () => {
    redis = await startRedis(options.redis);
    const { queue, workers: count = 0 } = options;
    if (queue !== undefined) {
      await Promise.all(Array.from({ length: count }, () => cluster.worker(queue)));
    }
  });
  afterAll(async () => {
    const pids = workers.flatMap((w) => [w.pid, ...descendants(w.pid)]);
    await Promise.all(workers.map((w) => stop(w.child)));
    await redis?.stop();
    expect(await waitUntil(() => pids.every((p) => !isPidAlive(p)), 5000)).toBe(true);
  });
  return cluster;
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
