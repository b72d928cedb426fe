#!/usr/bin/env node
/**
 * `pnpm bench [-- options]`: runs the cases, prints progress to stderr and a summary to stdout,
 * writes RESULTS.md, results.svg and the raw JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listCases } from './cases.js';
import { runBench } from './harness.js';
import { stopRunners } from './runner.js';
import { renderMarkdown, renderSummary } from './report/markdown.js';
import { renderSvg } from './report/svg.js';

const kBenchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kDefaultRuns = 5;
const kQuickRuns = 2;

const kUsage = `Usage: pnpm bench [-- options]

  --case <name>        run only this case (repeatable, or comma-separated)
  --impl <text>        run only implementations whose name contains text (repeatable,
                       comma-separated, case-insensitive); the baseline always runs
  --param <key=value>  override a case parameter for every runner (repeatable; the value is
                       parsed as JSON when it can be: --param samples=10)
  --runs <n>           rounds per case (default ${kDefaultRuns}, or the case's own \`rounds\`;
                       ${kQuickRuns} with --quick)
  --quick              smoke pass: few samples, results go to bench/out/ unless --results-dir
  --results-dir <dir>  where RESULTS.md and results.svg go (default: bench/)
  --out-dir <dir>      where the raw JSON goes (default: bench/out/)
  --cases-dir <dir>    where the cases are (default: bench/cases/)
  --python <exe>       interpreter for the CPython runners (default: python3)
  --verbose            show the runners' stderr
  --quiet              no progress output
  --list               list the cases and exit
  --help               this text
`;

function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command a reader can paste to reproduce the run. */
function commandLine(args: string[]): string {
  const rest = args.map(quote).join(' ');
  if (process.env.npm_lifecycle_event === 'bench')
    return rest === '' ? 'pnpm bench' : `pnpm bench -- ${rest}`;
  const cli = path.relative(process.cwd(), fileURLToPath(import.meta.url)) || 'cli.js';
  return `node ${cli}${rest === '' ? '' : ` ${rest}`}`;
}

/** `--param samples=10` → `{ samples: 10 }`; values that are not JSON stay strings. */
function parseParams(values: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new Error(`--param must be key=value, got ${JSON.stringify(item)}`);
    const raw = item.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[item.slice(0, eq)] = value;
  }
  return out;
}

function parsePositiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  // `pnpm bench -- --case x` reaches us with or without the `--`, depending on the pnpm version.
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      case: { type: 'string', multiple: true },
      impl: { type: 'string', multiple: true },
      param: { type: 'string', multiple: true },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'results-dir': { type: 'string' },
      'out-dir': { type: 'string' },
      'cases-dir': { type: 'string' },
      python: { type: 'string', default: 'python3' },
      verbose: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(kUsage);
    return 0;
  }
  const casesDir = path.resolve(values['cases-dir'] ?? path.join(kBenchDir, 'cases'));
  if (values.list) {
    process.stdout.write(`${listCases(casesDir).join('\n')}\n`);
    return 0;
  }
  const quick = values.quick;
  const outDir = path.resolve(values['out-dir'] ?? path.join(kBenchDir, 'out'));
  // A quick pass must not overwrite the committed figures with a handful of samples.
  const resultsDir = path.resolve(values['results-dir'] ?? (quick ? outDir : kBenchDir));

  const report = await runBench({
    casesDir,
    benchDir: kBenchDir,
    cases: splitList(values.case),
    implementations: splitList(values.impl),
    params: parseParams(values.param),
    runs: parsePositiveInt('runs', values.runs, quick ? kQuickRuns : kDefaultRuns),
    runsGiven: values.runs !== undefined,
    quick,
    python: values.python,
    verbose: values.verbose,
    quiet: values.quiet,
    command: commandLine(args),
  });

  mkdirSync(outDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const stamp = report.machine.date.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(path.join(outDir, `${stamp}.json`), json);
  writeFileSync(path.join(outDir, 'latest.json'), json);
  writeFileSync(path.join(resultsDir, 'RESULTS.md'), renderMarkdown(report));
  writeFileSync(path.join(resultsDir, 'results.svg'), renderSvg(report));

  process.stdout.write(`\n${renderSummary(report)}\n\n`);
  const shown = (file: string): string => {
    const relative = path.relative(process.cwd(), file);
    return relative === '' || relative.startsWith('..') ? file : relative;
  };
  process.stdout.write(
    `wrote ${shown(path.join(resultsDir, 'RESULTS.md'))}, ${shown(path.join(resultsDir, 'results.svg'))}, ` +
      `${shown(path.join(outDir, `${stamp}.json`))}\n`,
  );
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopRunners();
    process.stderr.write(`\nbench: interrupted (${signal})\n`);
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
