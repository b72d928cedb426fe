/**
 * Runs one implementation once, in a fresh process, and reads the JSON line it prints.
 *
 * Protocol: the runner gets its parameters as JSON in `BENCH_PARAMS`, prints anything it likes,
 * and ends by printing one JSON object on a line of its own — `{"metrics": {...}, "info": {...}}`
 * or `{"unavailable": "reason"}` — then exits 0. The last such line counts, so output of child
 * processes sharing the runner's stdout does not confuse the harness.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RunnerOutput } from './types.js';

/** Grace between SIGTERM and SIGKILL for a runner over its time limit. */
const kKillGraceMs = 2_000;
/** How much of a failed runner's stderr is kept for the report. */
const kStderrTailChars = 2_000;

/** Process groups of the runners now running, for `stopRunners()`. */
const activeGroups = new Set<number>();

/**
 * Kills every running runner with everything it started. Runners live in their own process
 * groups (so a timeout can take down their children), which also means a Ctrl-C at the terminal
 * does not reach them: the CLI calls this on SIGINT/SIGTERM.
 */
export function stopRunners(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pgid of activeGroups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // Already gone.
    }
  }
  activeGroups.clear();
}

export interface RunnerInvocation {
  /** Absolute path of the runner script. */
  script: string;
  args: readonly string[];
  params: Record<string, unknown>;
  /** 1-based round, passed as `BENCH_ROUND` (for runners that label their output). */
  round: number;
  timeoutMs: number;
  /** Interpreter for `.py` runners. */
  python: string;
  /** Folder added to PYTHONPATH, holding `bench_runner.py`. */
  pythonLib: string;
  /** Forward the runner's stderr live instead of keeping it for failures only. */
  verbose: boolean;
}

export type RunnerResult =
  | { status: 'ok'; wallMs: number; output: Extract<RunnerOutput, { metrics: unknown }> }
  | { status: 'unavailable' | 'failed'; wallMs: number; reason: string };

/** Finds the runner's result line: the last stdout line that is a JSON object of the protocol. */
export function parseRunnerOutput(stdout: string): RunnerOutput | undefined {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (typeof (value as { unavailable?: unknown }).unavailable === 'string')
      return value as RunnerOutput;
    const metrics = (value as { metrics?: unknown }).metrics;
    if (typeof metrics === 'object' && metrics !== null && !Array.isArray(metrics))
      return value as RunnerOutput;
  }
  return undefined;
}

/**
 * The line of a failed runner's stderr that says what went wrong: the last `SomeError: message`
 * line (Node's uncaught error, Python's traceback end), else the last lines of the output.
 */
export function failureSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Node\.js v\d/.test(l));
  const errorLine = lines.findLast((l) =>
    /^([A-Z]\w*)?(Error|Exception|Interrupt)\b[^:]*:/.test(l),
  );
  return errorLine ?? lines.slice(-3).join(' | ');
}

function command(inv: RunnerInvocation): [string, string[]] {
  return path.extname(inv.script) === '.py'
    ? [inv.python, [inv.script, ...inv.args]]
    : [process.execPath, [inv.script, ...inv.args]];
}

/**
 * Runs the runner to completion. Never rejects: a crash, a timeout or a malformed result comes
 * back as `failed` with the reason (exit status and the tail of stderr).
 */
export function runRunner(inv: RunnerInvocation): Promise<RunnerResult> {
  const [file, args] = command(inv);
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
  const pythonPath = [inv.pythonLib, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);

  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: path.dirname(inv.script),
      env: {
        ...process.env,
        BENCH_PARAMS: JSON.stringify(inv.params),
        BENCH_ROUND: String(inv.round),
        PYTHONPATH: pythonPath,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout can take down the processes the runner started too.
      detached: true,
    });
    if (child.pid !== undefined) activeGroups.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-kStderrTailChars);
      if (inv.verbose) process.stderr.write(chunk);
    });

    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), kKillGraceMs);
    }, inv.timeoutMs);

    const tail = (): string => {
      const summary = failureSummary(stderr);
      return summary === '' ? '' : `: ${summary}`;
    };

    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({
        status: 'failed',
        wallMs: elapsed(),
        reason: `could not start ${file}: ${error.message}`,
      });
    });
    // A grandchild that outlives the runner keeps its stdout open, and 'close' waits for that.
    child.on('exit', () => {
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), kKillGraceMs);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      // Leave nothing behind: whatever the runner started and did not reap.
      killGroup('SIGKILL');
      if (child.pid !== undefined) activeGroups.delete(child.pid);
      const wallMs = elapsed();
      if (timedOut) {
        resolve({
          status: 'failed',
          wallMs,
          reason: `timed out after ${inv.timeoutMs} ms${tail()}`,
        });
        return;
      }
      const output = parseRunnerOutput(stdout);
      if (code !== 0 || output === undefined) {
        const how =
          code !== 0 ? `exited with ${signal ?? `code ${code}`}` : 'printed no result line';
        resolve({ status: 'failed', wallMs, reason: `${how}${tail()}` });
        return;
      }
      if ('unavailable' in output) {
        resolve({ status: 'unavailable', wallMs, reason: output.unavailable });
        return;
      }
      resolve({ status: 'ok', wallMs, output });
    });
  });
}
