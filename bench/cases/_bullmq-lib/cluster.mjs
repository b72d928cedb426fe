// A Redis server and `multiproc-worker` "machines" on this host, for the bullmq cases.
//   const cluster = await startCluster();            // redis-server on a free port
//   const machines = await cluster.workers(4, queue); // 4 × multiproc-worker --processes 1
//   await cluster.stop();                             // everything it started
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { unavailable } from '../../lib/runner.mjs';

const require = createRequire(import.meta.url);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitFor(child, stream, pattern, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 20_000);
    child[stream].on('data', (d) => {
      out += d.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

export async function startCluster() {
  if (spawnSync('redis-server', ['--version']).error) unavailable('redis-server is not installed');
  let cli;
  try {
    cli = join(dirname(require.resolve('@multiproc/bullmq/package.json')), 'dist', 'cli.cjs');
  } catch {
    unavailable('@multiproc/bullmq is not built');
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const children = [];
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(redis);
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  await waitFor(redis, 'stdout', /Ready to accept connections/, 'redis-server');
  return {
    url,
    /** Starts `count` worker commands of `processes` local processes each, and waits until all are ready. */
    async workers(count, queue, processes = 1) {
      const started = Array.from({ length: count }, () => {
        const child = spawn(
          process.execPath,
          [cli, '--redis', url, '--queue', queue, '--processes', String(processes)],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        children.push(child);
        return child;
      });
      await Promise.all(started.map((c) => waitFor(c, 'stdout', /ready/, 'multiproc-worker')));
      return {
        async stop() {
          await Promise.all(
            started.map(
              (c) =>
                new Promise((resolve) => {
                  c.once('exit', resolve);
                  c.kill('SIGTERM');
                }),
            ),
          );
        },
      };
    },
    async stop() {
      for (const c of children.reverse()) {
        if (c.exitCode === null && c.signalCode === null) {
          const gone = new Promise((resolve) => c.once('exit', resolve));
          c.kill('SIGTERM');
          await gone;
        }
      }
    },
  };
}
