/**
 * The schedule and the aggregation. Within a case, implementations take turns round by round
 * (A B C, B C A, C A B, …): VM noise — a neighbour's burst, a CPU frequency step — then lands on
 * every implementation alike instead of on whichever happened to run during it, and the rotation
 * keeps any one from always running first (cold caches) or last. Each run is a fresh process.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { listCases, loadCase } from './cases.js';
import { formatWithUnit } from './format.js';
import { describeMachine, loadAverageNow } from './machine.js';
import { Progress } from './progress.js';
import { runRunner } from './runner.js';
import { ratio, summarize } from './stats.js';
import type {
  BenchReport,
  CaseResult,
  GoalResult,
  ImplementationSpec,
  ImplementationSummary,
  LoadedCase,
  MetricSpec,
  RunRecord,
} from './types.js';

/** @default 120000 */
const kDefaultTimeoutMs = 120_000;

export interface BenchOptions {
  /** Folder holding one folder per case. */
  casesDir: string;
  /** The bench package folder (for package versions and the Python helper). */
  benchDir: string;
  /** Case names to run; all when empty. */
  cases?: string[];
  /** Substrings (case-insensitive) of implementation names to run; the baseline always runs. */
  implementations?: string[];
  /** Overrides applied over every case's (and implementation's) parameters. */
  params?: Record<string, unknown>;
  /** Rounds per case. @default 5 */
  runs: number;
  /** `runs` came from the command line: it overrides a case's own `rounds`. */
  runsGiven?: boolean;
  /** Use each case's `quickParams`. */
  quick: boolean;
  /** Interpreter for `.py` runners. @default 'python3' */
  python: string;
  /** Forward runners' stderr. */
  verbose: boolean;
  /** No progress output at all. */
  quiet: boolean;
  /** The command line to print in RESULTS.md. */
  command: string;
}

/**
 * Makes a runner's failure message fit for a committed file: paths inside the repository become
 * relative to it (`bench/lib/runner.mjs`), the home folder becomes `~`.
 */
export function redactPaths(text: string, repoRoot: string): string {
  let out = text
    .split(`${pathToFileURL(repoRoot).href}/`)
    .join('')
    .split(`${repoRoot}${path.sep}`)
    .join('');
  const home = os.homedir();
  if (home.length > 1) out = out.split(home).join('~');
  return out;
}

/** Rotates `items` left by `by`: round k starts with the k-th implementation. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Checks that a runner reported every declared metric as a number or a non-empty number array. */
function checkMetrics(
  metrics: Record<string, unknown>,
  specs: readonly MetricSpec[],
): string | undefined {
  for (const spec of specs) {
    const value = metrics[spec.id];
    const ok =
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) &&
        value.length > 0 &&
        value.every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!ok)
      return `metric ${JSON.stringify(spec.id)} must be a finite number or a non-empty array of them, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** Folds the rounds of one case into per-implementation summaries, ratios and goal verdicts. */
export function aggregate(
  kase: Pick<LoadedCase, 'baseline' | 'metrics' | 'goals'>,
  implementations: readonly string[],
  runs: readonly RunRecord[],
): { implementations: ImplementationSummary[]; goals: GoalResult[] } {
  const summaries = implementations.map((name): ImplementationSummary => {
    const mine = runs.filter((r) => r.implementation === name);
    const ok = mine.filter((r) => r.status === 'ok' && r.metrics !== undefined);
    const notOk = mine.filter((r) => r.status !== 'ok');
    const summary: ImplementationSummary = {
      name,
      status:
        ok.length > 0
          ? 'ok'
          : notOk.some((r) => r.status === 'unavailable')
            ? 'unavailable'
            : 'failed',
      okRuns: ok.length,
      failedRuns: mine.filter((r) => r.status === 'failed').length,
      metrics: {},
    };
    const reason = notOk.find((r) => r.reason !== undefined)?.reason;
    if (reason !== undefined) summary.reason = reason;
    if (ok.length > 0) {
      for (const metric of kase.metrics) {
        summary.metrics[metric.id] = summarize(ok.map((r) => r.metrics![metric.id]!));
      }
    }
    return summary;
  });

  const baseline = summaries.find((s) => s.name === kase.baseline);
  for (const summary of summaries) {
    if (summary === baseline || baseline === undefined) continue;
    for (const [id, metric] of Object.entries(summary.metrics)) {
      const base = baseline.metrics[id];
      const r = base === undefined ? undefined : ratio(metric.median, base.median);
      if (r !== undefined) metric.ratio = r;
    }
  }

  const goals = (kase.goals ?? []).map((goal): GoalResult => {
    const r = summaries.find((s) => s.name === goal.implementation)?.metrics[goal.metric]?.ratio;
    if (r === undefined) return { ...goal, status: 'not evaluated' };
    const pass =
      (goal.maxRatio === undefined || r <= goal.maxRatio) &&
      (goal.minRatio === undefined || r >= goal.minRatio);
    return { ...goal, ratio: r, status: pass ? 'pass' : 'fail' };
  });
  return { implementations: summaries, goals };
}

function selectImplementations(
  kase: LoadedCase,
  filters: readonly string[] | undefined,
): ImplementationSpec[] {
  if (filters === undefined || filters.length === 0) return kase.implementations;
  const wanted = filters.map((f) => f.toLowerCase());
  return kase.implementations.filter(
    (impl) =>
      impl.name === kase.baseline || wanted.some((f) => impl.name.toLowerCase().includes(f)),
  );
}

function summarizeRun(record: RunRecord, specs: readonly MetricSpec[]): string {
  if (record.status !== 'ok') return `${record.status}: ${record.reason ?? ''}`;
  return specs
    .map((spec) => {
      const value = record.metrics![spec.id]!;
      const single = typeof value === 'number' ? value : summarize([value]).median;
      return `${spec.id} ${formatWithUnit(single, spec.unit)}`;
    })
    .join(' · ');
}

async function runCase(
  kase: LoadedCase,
  options: BenchOptions,
  progress: Progress,
): Promise<CaseResult> {
  const started = Date.now();
  const params = { ...kase.params, ...(options.quick ? kase.quickParams : {}), ...options.params };
  const impls = selectImplementations(kase, options.implementations);
  const timeoutMs = kase.timeoutMs ?? kDefaultTimeoutMs;
  const rounds =
    options.runsGiven === true || options.quick ? options.runs : (kase.rounds ?? options.runs);
  const runs: RunRecord[] = [];
  const unavailable = new Set<string>();
  progress.note(
    `\n${kase.name}: ${kase.title} — ${impls.length} implementations × ${rounds} rounds`,
  );

  for (let round = 1; round <= rounds; round++) {
    for (const impl of rotate(impls, round - 1)) {
      // Unavailable is a property of the machine (a module missing, a start method the OS lacks),
      // not of the round: ask once.
      if (unavailable.has(impl.name)) continue;
      progress.begin({
        caseName: kase.name,
        implementation: impl.name,
        round,
        rounds,
      });
      const result = await runRunner({
        script: path.join(kase.dir, impl.runner),
        args: impl.args ?? [],
        params: { ...params, ...impl.params, ...options.params },
        round,
        timeoutMs,
        python: options.python,
        pythonLib: path.join(options.benchDir, 'lib'),
        verbose: options.verbose,
      });
      const record: RunRecord = {
        case: kase.name,
        implementation: impl.name,
        round,
        status: result.status,
        wallMs: result.wallMs,
      };
      if (result.status === 'ok') {
        const problem = checkMetrics(result.output.metrics, kase.metrics);
        if (problem === undefined) {
          record.metrics = result.output.metrics;
          if (result.output.info !== undefined) record.info = result.output.info;
        } else {
          record.status = 'failed';
          record.reason = problem;
        }
      } else {
        record.reason = redactPaths(result.reason, path.dirname(options.benchDir));
        if (result.status === 'unavailable') unavailable.add(impl.name);
      }
      runs.push(record);
      progress.end(summarizeRun(record, kase.metrics), record.wallMs);
    }
  }

  const { implementations, goals } = aggregate(
    kase,
    impls.map((i) => i.name),
    runs,
  );
  return {
    name: kase.name,
    title: kase.title,
    description: kase.description,
    baseline: kase.baseline,
    metrics: kase.metrics,
    params,
    implementations,
    goals,
    rounds,
    runs,
    elapsedMs: Date.now() - started,
  };
}

/** Loads the selected cases, runs them one after the other, and returns everything measured. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const available = listCases(options.casesDir);
  const names =
    options.cases === undefined || options.cases.length === 0 ? available : options.cases;
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown case ${unknown.map((n) => JSON.stringify(n)).join(', ')}; cases: ${available.join(', ')}`,
    );
  }
  // Load (and validate) every case before running any, so a broken descriptor fails at once.
  const cases = await Promise.all(names.map((name) => loadCase(options.casesDir, name)));
  const progress = new Progress(process.stderr, options.quiet);
  const machine = describeMachine(options.benchDir, options.python);
  progress.note(
    `multiproc bench: ${cases.length} case(s), ${options.runs} round(s)${options.quick ? ', quick' : ''} · ` +
      `Node ${machine.node} · Python ${machine.python} · ${machine.logicalCpus} × ${machine.cpuModel}`,
  );
  const results: CaseResult[] = [];
  for (const kase of cases) results.push(await runCase(kase, options, progress));
  machine.loadAverage.end = loadAverageNow();
  return {
    machine,
    command: options.command,
    runs: options.runs,
    quick: options.quick,
    cases: results,
    elapsedMs: Date.now() - started,
  };
}
