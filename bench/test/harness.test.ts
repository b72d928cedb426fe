// Runs the built CLI the way `pnpm bench` does, on the synthetic case in fixtures/, and checks the
// figures, the interleaving and the files it writes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchReport } from '../src/types.js';

const run = promisify(execFile);
const benchDir = path.resolve(__dirname, '..');
const cli = path.join(benchDir, 'dist', 'cli.js');

describe('pnpm bench --quick on a synthetic case', () => {
  let dir: string;
  let report: BenchReport;
  let markdown: string;
  let svg: string;
  let stdout: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bench-selftest-'));
    const args = [
      cli,
      '--',
      '--quick',
      '--runs',
      '3',
      '--quiet',
      '--cases-dir',
      path.join('test', 'fixtures', 'cases'),
      '--results-dir',
      dir,
      '--out-dir',
      path.join(dir, 'out'),
    ];
    ({ stdout } = await run(process.execPath, args, { cwd: benchDir }));
    report = JSON.parse(readFileSync(path.join(dir, 'out', 'latest.json'), 'utf8')) as BenchReport;
    markdown = readFileSync(path.join(dir, 'RESULTS.md'), 'utf8');
    svg = readFileSync(path.join(dir, 'results.svg'), 'utf8');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const impl = (name: string) => report.cases[0]!.implementations.find((i) => i.name === name)!;

  it('takes the median of the run medians and the ratio to the baseline', () => {
    expect(impl('node base').metrics.latency).toMatchObject({
      runValues: [11, 21, 31],
      median: 21,
      samples: 9,
    });
    expect(impl('node base').metrics.latency!.p99).toBeCloseTo(79.2, 9);
    expect(impl('node double').metrics.latency!.median).toBe(41);
    expect(impl('node double').metrics.latency!.ratio).toBeCloseTo(41 / 21, 12);
    expect(impl('node double').metrics.rate).toMatchObject({
      median: 1000,
      ratio: 0.5,
      samples: 0,
    });
    expect(impl('python').metrics.latency!.median).toBe(11);
    expect(impl('python').metrics.rate).toMatchObject({ median: 8000, ratio: 4 });
  });

  it('reports a missing module as unavailable, once, and a crash as failed', () => {
    expect(impl('missing')).toMatchObject({ status: 'unavailable', okRuns: 0 });
    expect(impl('missing').reason).toMatch(/^cannot import @multiproc\/no-such-package: /);
    expect(report.cases[0]!.runs.filter((r) => r.implementation === 'missing')).toHaveLength(1);
    expect(impl('crashing')).toMatchObject({ status: 'failed', failedRuns: 3 });
    expect(impl('crashing').reason).toBe('exited with code 1: Error: synthetic failure');
  });

  it('interleaves implementations round by round, in rotating order', () => {
    const order = report.cases[0]!.runs.map((r) => `${r.round}:${r.implementation}`);
    expect(order).toEqual([
      '1:node base',
      '1:node double',
      '1:python',
      '1:missing',
      '1:crashing',
      '2:node double',
      '2:python',
      '2:crashing',
      '2:node base',
      '3:python',
      '3:crashing',
      '3:node base',
      '3:node double',
    ]);
  });

  it('passes quick parameters to every runner, Node and Python', () => {
    const ok = report.cases[0]!.runs.filter((r) => r.status === 'ok');
    expect(ok.map((r) => r.info?.extra)).toEqual(Array(ok.length).fill('quick'));
  });

  it('judges the goals', () => {
    expect(report.cases[0]!.goals.map((g) => g.status)).toEqual(['fail', 'pass', 'not evaluated']);
  });

  it('writes RESULTS.md with the machine, the command and one table per case', () => {
    expect(markdown).toContain('**Quick smoke pass**');
    expect(markdown).toMatch(/\| CPU \| .+, \d+ logical CPUs \|/);
    expect(markdown).toContain(`| Node | ${process.version} |`);
    expect(markdown).toMatch(/\| Python \| 3\.\d+/);
    expect(markdown).toContain(
      '```sh\nnode dist/cli.js --quick --runs 3 --quiet --cases-dir test/fixtures/cases ',
    );
    expect(markdown).toContain('## synthetic — Synthetic figures');
    expect(markdown).toContain(
      '| **node base** | 21.0 (11.0–31.0) | 79.2 | baseline | 2.00 k (1.00 k–3.00 k) | baseline |',
    );
    expect(markdown).toContain(
      '| node double | 41.0 (21.0–61.0) | 108 | 1.95× (1.95× slower) | 1.00 k (500–1.50 k) | 0.50× (2.00× slower) |',
    );
    expect(markdown).toContain(
      '| missing | unavailable: cannot import @multiproc/no-such-package:',
    );
    expect(markdown).toContain('- ✅ **python**, rate: 4.00× of node base (goal ≥ 2.00×)');
    expect(markdown).not.toContain(benchDir);
  });

  it('draws one bar per figure in the SVG', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // 2 metrics × 3 implementations with figures.
    expect(svg.match(/<rect x=/g)).toHaveLength(6);
    expect(svg).toContain('goal 1.15×');
  });

  it('prints a summary on stdout', () => {
    expect(stdout).toContain('synthetic (baseline node base)');
    expect(stdout).toMatch(/node double +latency 41\.0 ms \(1\.95×\)/);
  });
});

describe('pnpm bench options', () => {
  it('overrides parameters with --param and keeps the baseline when filtering with --impl', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-selftest-'));
    try {
      const args = [
        cli,
        '--quick',
        '--runs=1',
        '--quiet',
        '--impl',
        'PYTHON',
        '--param',
        'extra=[1,2]',
        '--cases-dir',
        path.join('test', 'fixtures', 'cases'),
        '--results-dir',
        dir,
        '--out-dir',
        dir,
      ];
      await run(process.execPath, args, { cwd: benchDir });
      const report = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as BenchReport;
      expect(report.cases[0]!.runs.map((r) => [r.implementation, r.info?.extra])).toEqual([
        ['node base', [1, 2]],
        ['python', [1, 2]],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs a case's own number of rounds unless --runs or --quick says otherwise", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-selftest-'));
    const roundsOf = async (extra: string[]) => {
      const args = [
        cli,
        '--quiet',
        ...extra,
        '--cases-dir',
        path.join('test', 'fixtures', 'rounds-cases'),
      ];
      await run(process.execPath, [...args, '--results-dir', dir, '--out-dir', dir], {
        cwd: benchDir,
      });
      const report = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as BenchReport;
      const markdown = readFileSync(path.join(dir, 'RESULTS.md'), 'utf8');
      return [
        report.cases[0]!.rounds,
        report.cases[0]!.runs.length,
        /· (\d+) rounds ·/.exec(markdown)?.[1],
      ];
    };
    try {
      expect(await roundsOf([])).toEqual([4, 4, '4']);
      expect(await roundsOf(['--runs', '2'])).toEqual([2, 2, '2']);
      expect(await roundsOf(['--quick'])).toEqual([2, 2, '2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown case, naming the ones there are', async () => {
    const args = [cli, '--case', 'nope', '--cases-dir', path.join('test', 'fixtures', 'cases')];
    await expect(run(process.execPath, args, { cwd: benchDir })).rejects.toMatchObject({
      code: 2,
      stderr: 'bench: unknown case "nope"; cases: synthetic\n',
    });
  });
});
