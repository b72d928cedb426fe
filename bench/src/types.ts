/**
 * The shapes a case author writes (`cases/<name>/case.mjs`), the line a runner prints, and what
 * the harness makes of them.
 */

/** Units a metric can be reported in. Runners report values already in this unit. */
export type Unit = 'ns' | 'µs' | 'ms' | 's' | 'ops/s' | 'items/s' | 'msgs/s' | 'MB/s' | 'MiB' | 'x';

/** Every unit the harness knows, for validating descriptors. */
export const kUnits: readonly Unit[] = [
  'ns',
  'µs',
  'ms',
  's',
  'ops/s',
  'items/s',
  'msgs/s',
  'MB/s',
  'MiB',
  'x',
];

/** Which direction of a metric is an improvement. */
export type Better = 'lower' | 'higher';

/** One quantity a case measures. */
export interface MetricSpec {
  /** Key under which runners report the metric (`{"metrics": {"<id>": …}}`). */
  id: string;
  /** Human label for tables and the chart, e.g. `start() → join() resolved`. */
  label: string;
  unit: Unit;
  better: Better;
}

/** One way of doing what the case measures: a script run in a fresh process per round. */
export interface ImplementationSpec {
  /** Shown in tables, matched by `--impl`, named by `baseline` and goals. */
  name: string;
  /**
   * The runner script, relative to the case folder. `.mjs`/`.js`/`.cjs` run under the current
   * `node`, `.py` under `python3` (or `--python`).
   */
  runner: string;
  /** Extra command-line arguments for the runner (one runner file can serve several impls). */
  args?: string[];
  /** Parameters merged over the case's `params` for this implementation only. */
  params?: Record<string, unknown>;
}

/** A ratio an implementation must reach against the baseline, shown as pass/fail in RESULTS.md. */
export interface Goal {
  implementation: string;
  metric: string;
  /** Pass if `median(impl) / median(baseline) <= maxRatio`. */
  maxRatio?: number;
  /** Pass if `median(impl) / median(baseline) >= minRatio`. */
  minRatio?: number;
}

/**
 * What `cases/<name>/case.mjs` exports by default. The case's name is its folder's name.
 *
 * @example
 * ```js
 * /** @type {import('../../src/types.js').CaseDescriptor} *\/
 * export default {
 *   title: 'Process start to join',
 *   description: 'Time from `start()` to `join()` resolving.',
 *   baseline: 'raw child_process.fork',
 *   metrics: [{ id: 'startToJoin', label: 'start() → join()', unit: 'ms', better: 'lower' }],
 *   implementations: [
 *     { name: 'multiproc', runner: 'multiproc.mjs' },
 *     { name: 'raw child_process.fork', runner: 'node-fork.mjs' },
 *     { name: 'CPython fork', runner: 'python.py', args: ['fork'] },
 *   ],
 *   params: { samples: 30, warmup: 3 },
 *   quickParams: { samples: 5, warmup: 1 },
 * };
 * ```
 */
export interface CaseDescriptor {
  /** One-line title. */
  title: string;
  /** Markdown paragraph(s): what is timed, how the child signals, what is held equal. */
  description: string;
  /** Name of the implementation every ratio is taken against. */
  baseline: string;
  metrics: MetricSpec[];
  implementations: ImplementationSpec[];
  /** Parameters every runner receives (JSON in the `BENCH_PARAMS` environment variable). */
  params?: Record<string, unknown>;
  /** Merged over `params` under `--quick`. */
  quickParams?: Record<string, unknown>;
  /**
   * How long one runner process may take before it is killed and its round counted as failed.
   * @default 120000
   */
  timeoutMs?: number;
  /**
   * Rounds of this case when the command line does not say (`--runs`) and it is not `--quick`.
   * A case whose figures drift with the machine's slow phases (seconds to minutes on a VM) takes
   * more, shorter rounds, so that every implementation is sampled across as many of them.
   * @default 5
   */
  rounds?: number;
  goals?: Goal[];
}

/** A descriptor after loading: named, located, validated. */
export interface LoadedCase extends CaseDescriptor {
  name: string;
  /** Absolute path of the case folder. */
  dir: string;
}

/**
 * The JSON object a runner prints as its last stdout line. A metric is either one number for
 * the whole run (a throughput) or an array of per-operation samples (latencies), whose median is
 * the run's value and which are pooled across runs for the p99.
 */
export type RunnerOutput =
  | { metrics: Record<string, number | number[]>; info?: Record<string, unknown> }
  | { unavailable: string };

/** What happened when one implementation ran once. */
export interface RunRecord {
  case: string;
  implementation: string;
  /** 1-based round number. */
  round: number;
  status: 'ok' | 'unavailable' | 'failed';
  /** Why it was unavailable or failed. */
  reason?: string;
  /** Wall time of the runner process, spawn to exit. */
  wallMs: number;
  metrics?: Record<string, number | number[]>;
  info?: Record<string, unknown>;
}

/** Statistics of one metric of one implementation over all rounds. */
export interface MetricSummary {
  /** The value of each successful round (the median of its samples for per-op metrics). */
  runValues: number[];
  /** Median of `runValues`: the headline figure. */
  median: number;
  min: number;
  max: number;
  p10: number;
  p90: number;
  /** Number of pooled per-op samples; 0 for whole-run metrics. */
  samples: number;
  /** 99th percentile of the pooled per-op samples, when the metric has them. */
  p99?: number;
  /** `median / baseline median`; absent for the baseline itself or when either is missing. */
  ratio?: number;
}

/** One implementation's outcome in a case. */
export interface ImplementationSummary {
  name: string;
  status: 'ok' | 'unavailable' | 'failed';
  reason?: string;
  okRuns: number;
  failedRuns: number;
  metrics: Record<string, MetricSummary>;
}

export interface GoalResult extends Goal {
  ratio?: number;
  status: 'pass' | 'fail' | 'not evaluated';
}

export interface CaseResult {
  name: string;
  title: string;
  description: string;
  baseline: string;
  metrics: MetricSpec[];
  params: Record<string, unknown>;
  implementations: ImplementationSummary[];
  goals: GoalResult[];
  /** How many rounds ran (the command line's `--runs`, or the case's own `rounds`). */
  rounds: number;
  runs: RunRecord[];
  elapsedMs: number;
}

/** Where and with what the benchmark ran. */
export interface MachineInfo {
  cpuModel: string;
  logicalCpus: number;
  memoryGiB: number;
  os: string;
  node: string;
  python: string;
  /** Versions of the Node peers and multiproc as installed in bench/node_modules. */
  packages: Record<string, string>;
  /**
   * 1-minute load average when the run started and when it ended. Above the CPU count, other
   * work competed with the benchmark and the spreads widen.
   */
  loadAverage: { start: number; end?: number };
  /** `git describe`-like identification of the checkout, when available. */
  commit?: string;
  date: string;
}

export interface BenchReport {
  machine: MachineInfo;
  command: string;
  runs: number;
  quick: boolean;
  cases: CaseResult[];
  elapsedMs: number;
}
