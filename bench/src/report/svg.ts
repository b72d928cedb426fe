/**
 * Renders a report as a hand-written SVG: per case, per metric, one horizontal bar per
 * implementation whose length is its median divided by the baseline's. A solid line marks the
 * baseline (1×), a dashed one each goal. No chart library: the picture is simple and must render
 * on GitHub, which strips scripts and external styles.
 */
import { formatRatio, formatWithUnit } from '../format.js';
import type { BenchReport, CaseResult, MetricSpec } from '../types.js';

const kPad = 16;
/** Room right of the longest bar for its label (`1,234 ms · 12.3×`). */
const kValueWidth = 170;
/** Average advance of a 12 px system-ui character, for sizing the name column without a DOM. */
const kCharWidth = 6.8;
const kBarWidth = 400;
const kRowHeight = 22;
const kBarHeight = 14;
const kFont = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const kBaselineColor = '#9ca3af';
const kMultiprocColor = '#2563eb';
const kPythonColors = ['#f59e0b', '#d97706', '#fbbf24', '#b45309'];
const kOtherColors = ['#10b981', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#6366f1'];

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function colorFor(name: string, baseline: string, colors: Map<string, string>): string {
  if (name === baseline) return kBaselineColor;
  if (name.toLowerCase().startsWith('multiproc')) return kMultiprocColor;
  const python = name.startsWith('CPython');
  const key = `${python ? 'py' : 'js'}:${name}`;
  let color = colors.get(key);
  if (color === undefined) {
    const palette = python ? kPythonColors : kOtherColors;
    const taken = [...colors.keys()].filter((k) => k.startsWith(python ? 'py:' : 'js:')).length;
    color = palette[taken % palette.length]!;
    colors.set(key, color);
  }
  return color;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;
}

function metricBlock(
  c: CaseResult,
  metric: MetricSpec,
  top: number,
  labelWidth: number,
  colors: Map<string, string>,
): [string[], number] {
  const parts: string[] = [];
  let y = top;
  parts.push(
    text(
      kPad,
      y + 14,
      `${metric.label} — ${metric.unit}, ${metric.better} is better; bar = median ÷ ${c.baseline}`,
      'font-size="12" fill="#374151"',
    ),
  );
  y += 22;

  const goals = c.goals.filter((g) => g.metric === metric.id);
  const ratios = c.implementations.map((impl) =>
    impl.name === c.baseline && impl.metrics[metric.id] !== undefined
      ? 1
      : impl.metrics[metric.id]?.ratio,
  );
  const scaleMax =
    Math.max(
      1,
      ...ratios.filter((r): r is number => r !== undefined),
      ...goals.flatMap((g) => [g.maxRatio ?? 0, g.minRatio ?? 0]),
    ) * 1.05;
  const x0 = kPad + labelWidth;
  const xOf = (r: number): number => x0 + (r / scaleMax) * kBarWidth;
  const rowsTop = y;
  const rowsBottom = y + c.implementations.length * kRowHeight;

  // Reference lines first, so bars and labels paint over them.
  const line = (r: number, attrs: string): string =>
    `<line x1="${xOf(r).toFixed(1)}" y1="${rowsTop - 2}" x2="${xOf(r).toFixed(1)}" y2="${rowsBottom - 2}" ${attrs}/>`;
  parts.push(line(1, 'stroke="#374151" stroke-width="1"'));
  for (const g of goals) {
    for (const bound of [g.maxRatio, g.minRatio]) {
      if (bound === undefined) continue;
      parts.push(line(bound, 'stroke="#dc2626" stroke-width="1" stroke-dasharray="4 3"'));
      // Below the rows, where no bar label can run into it.
      parts.push(
        text(
          xOf(bound),
          rowsBottom + 8,
          `goal ${formatRatio(bound)}`,
          'font-size="9" text-anchor="middle" fill="#dc2626"',
        ),
      );
    }
  }

  c.implementations.forEach((impl, i) => {
    const rowY = y + i * kRowHeight;
    const isBaseline = impl.name === c.baseline;
    parts.push(
      text(
        x0 - 8,
        rowY + 12,
        impl.name,
        `font-size="12" text-anchor="end" fill="#111827"${isBaseline ? ' font-weight="600"' : ''}`,
      ),
    );
    const summary = impl.metrics[metric.id];
    const r = ratios[i];
    if (summary === undefined || r === undefined) {
      const why = impl.status === 'ok' ? 'no baseline figure' : impl.status;
      parts.push(text(x0 + 4, rowY + 12, why, 'font-size="11" font-style="italic" fill="#6b7280"'));
      return;
    }
    const color = colorFor(impl.name, c.baseline, colors);
    const w = Math.max(1, xOf(r) - x0);
    const barY = rowY + (kRowHeight - kBarHeight) / 2 - 2;
    const tooltip = `${impl.name}: ${formatWithUnit(summary.median, metric.unit)}`;
    parts.push(
      `<rect x="${x0}" y="${barY.toFixed(1)}" width="${w.toFixed(1)}" height="${kBarHeight}" rx="2" ` +
        `fill="${color}"><title>${escapeXml(tooltip)}</title></rect>`,
    );
    const label = `${formatWithUnit(summary.median, metric.unit)}${isBaseline ? '' : ` · ${formatRatio(r)}`}`;
    // A white halo keeps the label legible where it crosses a reference line.
    parts.push(
      text(
        x0 + w + 6,
        rowY + 12,
        label,
        'font-size="11" fill="#374151" stroke="#ffffff" stroke-width="3" paint-order="stroke"',
      ),
    );
  });
  return [parts, rowsBottom + (goals.length > 0 ? 18 : 8)];
}

/** The whole chart. */
export function renderSvg(report: BenchReport): string {
  const parts: string[] = [];
  const colors = new Map<string, string>();
  const longest = Math.max(
    0,
    ...report.cases.flatMap((c) => c.implementations.map((i) => i.name.length)),
  );
  const labelWidth = Math.max(140, Math.ceil(longest * kCharWidth) + 16);
  const width = Math.max(640, kPad + labelWidth + kBarWidth + kValueWidth);
  let y = kPad;
  parts.push(
    text(
      kPad,
      y + 16,
      `multiproc benchmarks${report.quick ? ' (quick smoke pass)' : ''}`,
      'font-size="16" font-weight="700" fill="#111827"',
    ),
  );
  y += 28;
  for (const c of report.cases) {
    parts.push(
      text(
        kPad,
        y + 15,
        `${c.name} — ${c.title}`,
        'font-size="14" font-weight="600" fill="#111827"',
      ),
    );
    y += 24;
    for (const metric of c.metrics) {
      const [block, bottom] = metricBlock(c, metric, y, labelWidth, colors);
      parts.push(...block);
      y = bottom;
    }
    y += 10;
  }
  const m = report.machine;
  parts.push(
    text(
      kPad,
      y + 12,
      `${m.logicalCpus} × ${m.cpuModel} · Node ${m.node} · Python ${m.python.split(' ')[0] ?? ''} · ${m.date.slice(0, 10)} · medians of the rounds`,
      'font-size="10" fill="#6b7280"',
    ),
  );
  y += 12 + kPad;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" ${kFont}>`,
    `<rect width="${width}" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
