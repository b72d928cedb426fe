/** Number and ratio formatting shared by the Markdown table, the chart and the progress line. */
import { relativePerformance } from './stats.js';
import type { Better, Unit } from './types.js';

const kRateUnits = new Set<Unit>(['ops/s', 'items/s', 'msgs/s']);

/** Three significant digits, no exponent, thousands separated. */
function significant(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const digits =
    abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * A value in its unit, compact: rates get k/M/G prefixes, everything else three significant
 * digits.
 *
 * @example
 * formatValue(4_730_000, 'items/s') // '4.73 M'
 * formatValue(71.234, 'ms') // '71.2'
 */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return String(value);
  if (kRateUnits.has(unit)) {
    const abs = Math.abs(value);
    if (abs >= 1e9) return `${significant(value / 1e9)} G`;
    if (abs >= 1e6) return `${significant(value / 1e6)} M`;
    if (abs >= 1e3) return `${significant(value / 1e3)} k`;
  }
  return significant(value);
}

/** `formatValue` followed by the unit. */
export function formatWithUnit(value: number, unit: Unit): string {
  const text = formatValue(value, unit);
  // Rate prefixes read with the unit: '4.73 M items/s'.
  return unit === 'x' ? `${text}×` : `${text} ${unit}`;
}

/**
 * The raw ratio to the baseline, as printed in tables: `1.07×`.
 *
 * @example
 * formatRatio(1.0712) // '1.07×'
 */
export function formatRatio(ratio: number): string {
  // Two significant digits below 0.1, so CPython fork's 0.017× does not read as 0.02×.
  const text =
    ratio >= 10 ? ratio.toFixed(1) : ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
  return `${text}×`;
}

/**
 * Says in words how a ratio compares with the baseline, in the direction that matters for the
 * metric: `1.12× slower`, `2.30× faster`, `on par` (within 2%). Memory metrics read
 * smaller/larger.
 *
 * @example
 * verdict(1.12, 'lower', 'ms') // '1.12× slower'
 * verdict(1.12, 'higher', 'ops/s') // '1.12× faster'
 */
export function verdict(ratio: number, better: Better, unit: Unit): string {
  const perf = relativePerformance(ratio, better);
  if (Math.abs(perf - 1) < 0.02) return 'on par';
  const memory = unit === 'MiB';
  const [good, bad] = memory ? ['smaller', 'larger'] : ['faster', 'slower'];
  return perf > 1 ? `${formatRatio(perf)} ${good}` : `${formatRatio(1 / perf)} ${bad}`;
}

/** `12.3 s`, `1 min 05 s`. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}
