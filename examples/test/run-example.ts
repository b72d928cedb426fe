// How the example tests run an example: as a user would (`node --import tsx <file>`), from the
// examples folder, with a time bound.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs `file` (relative to examples/) to its end and returns its exit status and output. */
export function run(
  file: string,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', file), ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: join(__dirname, '..'),
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs an example, noting when each stdout line arrived and when the process exited. */
export function runTimed(file: string): Promise<{
  status: number | null;
  stderr: string;
  lines: { text: string; at: number }[];
  exitAt: number;
}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', file)], {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: { text: string; at: number }[] = [];
    let pending = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop() as string;
      for (const text of parts) lines.push({ text, at: performance.now() });
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, lines, exitAt: performance.now() });
    });
  });
}

/** Runs `file` and checks that it exits with 0, writes nothing to stderr, and prints `stdout`. */
export function expectOutput(file: string, stdout: string): void {
  const out = run(file);
  expect({ status: out.status, stderr: out.stderr, stdout: out.stdout }).toEqual({
    status: 0,
    stderr: '',
    stdout,
  });
}

/** A server example started in the background, once it has printed its port. */
export interface StartedServer {
  port: number;
  /** Everything it has printed so far. */
  out(): string;
  err(): string;
  /** Settles with its exit code. */
  exited: Promise<number | null>;
  /** SIGKILLs it (if still running) and waits for it to end. */
  stop(): Promise<void>;
}

/**
 * Starts `file` (relative to examples/) with `args` and resolves once its stdout matches
 * `ready`, whose first group is the port it listens on; rejects if it exits first.
 */
export async function startServer(
  file: string,
  args: string[],
  ready: RegExp,
): Promise<StartedServer> {
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', file), ...args],
    {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  server.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  const stop = async (): Promise<void> => {
    server.kill('SIGKILL');
    await exited;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = ready.exec(out);
        if (match) resolve(Number(match[1]));
      });
      server.once('exit', () => reject(new Error(`${file} exited early: ${err}`)));
    });
    return { port, out: () => out, err: () => err, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
