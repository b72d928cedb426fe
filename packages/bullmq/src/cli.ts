/**
 * `multiproc-worker`: takes chunks from a queue and runs them in local processes until SIGTERM
 * or SIGINT. The first signal finishes the running chunks (handing them back to the queue after
 * `--grace` ms); a second one hands them back at once.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { DistributedWorker } from './worker.js';

const usage = `Usage: multiproc-worker --redis URL --queue NAME [options]

  --redis URL               redis://[user:password@]host:port[/db], rediss:// for TLS
                            (the password may come from REDIS_PASSWORD instead)
  --queue NAME              the queue the pools submit to
  --processes N             local processes, and chunks run at once (default 1)
  --maxtasksperchild N      replace a process after N chunks
  --max-memory-per-child B  replace a process above B bytes of memory
  --allow-module M          run only exports of M (a path, a file: URL, a folder ending in /,
                            or a package name); repeat for several. Default: any module
  --allow-function-source   also run functions sent as source code (callers must opt in too)
  --tls-ca FILE             CA certificate for rediss:// (default: the system's)
  --lock-duration MS        BullMQ lock on a running chunk (default 30000)
  --stalled-interval MS     how often to requeue chunks of dead workers (default 30000)
  --grace MS                on SIGTERM, how long running chunks may finish (default 30000)
  --prefix P                BullMQ key prefix (default bull)
`;

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) fail(`${flag} must be a positive integer, got ${value}`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`multiproc-worker: ${message}\n\n${usage}`);
  process.exit(2);
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        processes: { type: 'string' },
        maxtasksperchild: { type: 'string' },
        'max-memory-per-child': { type: 'string' },
        'allow-module': { type: 'string', multiple: true },
        'allow-function-source': { type: 'boolean' },
        'tls-ca': { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        grace: { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  if (!values.redis) fail('--redis is required');
  if (!values.queue) fail('--queue is required');
  let url: URL;
  try {
    url = new URL(values.redis);
  } catch {
    fail(`--redis must be a redis:// or rediss:// URL, got ${values.redis}`);
  }
  const password = process.env['REDIS_PASSWORD'];
  const connection =
    password || values['tls-ca']
      ? {
          host: url.hostname,
          port: Number(url.port || 6379),
          username: decodeURIComponent(url.username) || undefined,
          password: password ?? (decodeURIComponent(url.password) || undefined),
          db: Number(url.pathname.slice(1) || 0),
          ...(url.protocol === 'rediss:' || values['tls-ca']
            ? { tls: values['tls-ca'] ? { ca: readFileSync(values['tls-ca']) } : {} }
            : {}),
        }
      : values.redis;
  const grace = integer(values.grace, '--grace') ?? 30_000;
  let worker: DistributedWorker;
  try {
    worker = new DistributedWorker({
      connection,
      queue: values.queue,
      processes: integer(values.processes, '--processes') ?? 1,
      maxtasksperchild: integer(values.maxtasksperchild, '--maxtasksperchild') ?? null,
      maxMemoryPerChild: integer(values['max-memory-per-child'], '--max-memory-per-child') ?? null,
      allowModules: values['allow-module'] ?? null,
      allowFunctionSource: values['allow-function-source'] ?? false,
      lockDuration: integer(values['lock-duration'], '--lock-duration'),
      stalledInterval: integer(values['stalled-interval'], '--stalled-interval'),
      prefix: values.prefix,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals++;
    process.stderr.write(
      `multiproc-worker: ${signal}: ${signals === 1 ? 'finishing running chunks' : 'handing chunks back'}\n`,
    );
    worker.close(signals === 1 ? grace : 0).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`multiproc-worker: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  worker.ready().then(
    () => process.stdout.write(`multiproc-worker: ready (${worker.where}, pid ${process.pid})\n`),
    (error: unknown) => process.stderr.write(`multiproc-worker: ${String(error)}\n`),
  );
}

main();
