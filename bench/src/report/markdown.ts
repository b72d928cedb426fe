/** Renders a report as `RESULTS.md`. */
import { formatDuration, formatRatio, formatValue, formatWithUnit, verdict } from '../format.js';
import type {
  BenchReport,
  CaseResult,
  ImplementationSummary,
  MachineInfo,
  MetricSpec,
} from '../types.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function machineTable(m: MachineInfo): string {
  const packages = Object.entries(m.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    ['CPU', `${m.cpuModel}, ${m.logicalCpus} logical CPUs`],
    ['Memory', `${m.memoryGiB} GiB`],
    ['OS', m.os],
    ['Node', m.node],
    ['Python', m.python],
    ['Packages', packages === '' ? '—' : packages],
  ];
  const { start, end } = m.loadAverage;
  rows.push([
    'Load average (1 min)',
    `${start} at the start, ${end ?? '?'} at the end` +
      (Math.max(start, end ?? 0) > m.logicalCpus ? ' — other work competed with this run' : ''),
  ]);
  if (m.commit !== undefined) rows.push(['Commit', m.commit]);
  rows.push(['Date', m.date]);
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`)].join('\n');
}

function metricCells(
  impl: ImplementationSummary,
  metric: MetricSpec,
  withP99: boolean,
  isBaseline: boolean,
): string[] {
  const s = impl.metrics[metric.id];
  if (s === undefined) return withP99 ? ['—', '—', '—'] : ['—', '—'];
  const spread =
    s.runValues.length > 1
      ? ` (${formatValue(s.min, metric.unit)}–${formatValue(s.max, metric.unit)})`
      : '';
  const cells = [`${formatValue(s.median, metric.unit)}${spread}`];
  if (withP99) cells.push(s.p99 === undefined ? '—' : formatValue(s.p99, metric.unit));
  cells.push(
    isBaseline
      ? 'baseline'
      : s.ratio === undefined
        ? '—'
        : `${formatRatio(s.ratio)} (${verdict(s.ratio, metric.better, metric.unit)})`,
  );
  return cells;
}

function caseSection(c: CaseResult, rounds: number): string {
  const out: string[] = [];
  out.push(`## ${c.name} — ${c.title}`, '', c.description.trim(), '');
  const params = Object.entries(c.params)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
  out.push(
    `Baseline: **${c.baseline}** · ${rounds} rounds · ${params === '' ? 'no parameters' : `parameters: ${params}`} · ` +
      `took ${formatDuration(c.elapsedMs)}`,
    '',
  );

  const withP99 = c.metrics.map((m) =>
    c.implementations.some((i) => (i.metrics[m.id]?.samples ?? 0) > 0),
  );
  const header = ['implementation'];
  c.metrics.forEach((m, i) => {
    header.push(`${m.label} — ${m.unit}, ${m.better} is better`);
    if (withP99[i]) header.push('p99');
    header.push('vs baseline');
  });
  out.push(
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  );

  const notes: string[] = [];
  for (const impl of c.implementations) {
    const isBaseline = impl.name === c.baseline;
    const name = isBaseline ? `**${impl.name}**` : impl.name;
    let cells: string[];
    if (impl.status === 'ok') {
      cells = c.metrics.flatMap((m, i) => metricCells(impl, m, withP99[i]!, isBaseline));
      if (impl.failedRuns > 0) {
        notes.push(
          `${impl.name}: ${impl.failedRuns} of ${rounds} rounds failed (${impl.reason ?? 'no reason given'}).`,
        );
      }
    } else {
      const width = c.metrics.reduce((n, _, i) => n + (withP99[i] ? 3 : 2), 0);
      cells = [
        `${impl.status}: ${impl.reason ?? 'no reason given'}`,
        ...Array<string>(width - 1).fill('—'),
      ];
    }
    out.push(`| ${[name, ...cells].map(cell).join(' | ')} |`);
  }
  out.push('');
  out.push(
    '<sub>Median of the per-round values (each the median of that round’s samples), min–max of the per-round values in ' +
      'parentheses; p99 over every sample of every round; ratio = median ÷ baseline median.</sub>',
    '',
  );
  if (notes.length > 0) out.push(...notes.map((n) => `- ${cell(n)}`), '');

  if (c.goals.length > 0) {
    out.push('Goals:', '');
    for (const g of c.goals) {
      const metric = c.metrics.find((m) => m.id === g.metric)!;
      const bound = [
        g.maxRatio === undefined ? undefined : `≤ ${formatRatio(g.maxRatio)}`,
        g.minRatio === undefined ? undefined : `≥ ${formatRatio(g.minRatio)}`,
      ]
        .filter(Boolean)
        .join(' and ');
      const mark = g.status === 'pass' ? '✅' : g.status === 'fail' ? '❌' : '⚪';
      const impl = c.implementations.find((i) => i.name === g.implementation);
      const why =
        impl === undefined ? 'not run' : impl.status === 'ok' ? 'no baseline figure' : impl.status;
      const got =
        g.ratio === undefined
          ? `not evaluated, ${why}`
          : `${formatRatio(g.ratio)} of ${c.baseline}`;
      out.push(`- ${mark} **${g.implementation}**, ${metric.label}: ${got} (goal ${bound})`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** The whole RESULTS.md. `chartFile` is linked relative to the Markdown file. */
export function renderMarkdown(report: BenchReport, chartFile = 'results.svg'): string {
  const out: string[] = ['# multiproc benchmarks', ''];
  if (report.quick) {
    out.push(
      '> **Quick smoke pass** (`--quick`): too few samples to compare anything. Run `pnpm bench` for figures.',
      '',
    );
  }
  out.push(
    'Every implementation runs in a fresh process per round, and implementations take turns within each round in a ' +
      'rotating order, so the noise of this machine falls on all of them alike. Only ratios taken in the same run, ' +
      'like the ones below, are comparable.',
    '',
    'Produced by:',
    '',
    '```sh',
    report.command,
    '```',
    '',
    `in ${formatDuration(report.elapsedMs)}, ${report.runs} round(s) per case unless a case says otherwise.`,
    '',
    '## Machine',
    '',
    machineTable(report.machine),
    '',
    `![Each case's figures divided by its baseline's](${chartFile})`,
    '',
  );
  for (const c of report.cases) out.push(caseSection(c, c.rounds));
  return `${out.join('\n').trimEnd()}\n`;
}

/** A one-screen summary for the terminal after the run. */
export function renderSummary(report: BenchReport): string {
  const lines: string[] = [];
  for (const c of report.cases) {
    const width = Math.max(...c.implementations.map((i) => i.name.length)) + 2;
    lines.push(`${c.name} (baseline ${c.baseline})`);
    for (const impl of c.implementations) {
      if (impl.status !== 'ok') {
        lines.push(`  ${impl.name.padEnd(width)} ${impl.status}: ${impl.reason ?? ''}`);
        continue;
      }
      const parts = c.metrics.map((m) => {
        const s = impl.metrics[m.id]!;
        const r = s.ratio === undefined ? '' : ` (${formatRatio(s.ratio)})`;
        return `${m.id} ${formatWithUnit(s.median, m.unit)}${r}`;
      });
      lines.push(`  ${impl.name.padEnd(width)} ${parts.join('  ')}`);
    }
    for (const g of c.goals) {
      lines.push(
        `  goal ${g.implementation} ${g.metric}: ${g.status}${g.ratio === undefined ? '' : ` (${formatRatio(g.ratio)})`}`,
      );
    }
  }
  return lines.join('\n');
}
