import { formatRatio, formatValue, formatWithUnit, verdict } from '../src/format.js';
import { aggregate, redactPaths, rotate } from '../src/harness.js';
import { failureSummary, parseRunnerOutput } from '../src/runner.js';
import { median, percentile, ratio, relativePerformance, summarize } from '../src/stats.js';
import type { RunRecord } from '../src/types.js';

describe('order statistics', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates percentiles linearly between closest ranks, as numpy does', () => {
    expect(percentile([1, 2, 3, 4, 5], 90)).toBeCloseTo(4.6, 12);
    expect(percentile([1, 2, 3, 4, 5], 10)).toBeCloseTo(1.4, 12);
    expect(percentile([5, 1, 4, 2, 3], 0)).toBe(1);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
  });

  it('refuses an empty sample and a percentile outside 0..100', () => {
    expect(() => median([])).toThrow('percentile of an empty sample');
    expect(() => percentile([1], 101)).toThrow('percentile must be within 0..100, got 101');
  });

  it('summarizes per-op samples as the median of run medians, with a pooled p99', () => {
    const s = summarize([
      [10, 11, 60],
      [20, 21, 70],
      [30, 31, 80],
    ]);
    expect(s.runValues).toEqual([11, 21, 31]);
    expect(s.median).toBe(21);
    expect([s.min, s.max]).toEqual([11, 31]);
    expect(s.p10).toBeCloseTo(13, 12);
    expect(s.p90).toBeCloseTo(29, 12);
    expect(s.samples).toBe(9);
    expect(s.p99).toBeCloseTo(79.2, 12);
  });

  it('summarizes whole-run figures without a p99', () => {
    const s = summarize([3000, 1000, 2000]);
    expect(s.median).toBe(2000);
    expect(s.samples).toBe(0);
    expect(s.p99).toBeUndefined();
  });

  it('divides by the baseline, and has no ratio for a zero baseline', () => {
    expect(ratio(115, 100)).toBeCloseTo(1.15, 12);
    expect(ratio(1, 0)).toBeUndefined();
    expect(relativePerformance(2, 'lower')).toBe(0.5);
    expect(relativePerformance(2, 'higher')).toBe(2);
  });
});

describe('formatting', () => {
  it('prints three significant digits and prefixes rates', () => {
    expect(formatValue(71.234, 'ms')).toBe('71.2');
    expect(formatValue(1.5834, 'ms')).toBe('1.58');
    expect(formatValue(0.04567, 'ms')).toBe('0.0457');
    expect(formatValue(1234.5, 'ms')).toBe('1,235');
    expect(formatWithUnit(4_730_000, 'items/s')).toBe('4.73 M items/s');
    expect(formatWithUnit(19_200, 'ops/s')).toBe('19.2 k ops/s');
  });

  it('reads ratios in the direction that matters for the metric', () => {
    expect(formatRatio(1.0712)).toBe('1.07×');
    expect(formatRatio(0.0172)).toBe('0.017×');
    expect(verdict(1.12, 'lower', 'ms')).toBe('1.12× slower');
    expect(verdict(0.5, 'lower', 'ms')).toBe('2.00× faster');
    expect(verdict(1.12, 'higher', 'ops/s')).toBe('1.12× faster');
    expect(verdict(0.5, 'lower', 'MiB')).toBe('2.00× smaller');
    expect(verdict(1.01, 'lower', 'ms')).toBe('on par');
  });
});

describe('schedule and aggregation', () => {
  it('rotates the order of implementations from round to round', () => {
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });

  it('takes ratios of medians against the baseline and judges goals', () => {
    const record = (implementation: string, round: number, value: number): RunRecord => ({
      case: 'c',
      implementation,
      round,
      status: 'ok',
      wallMs: 1,
      metrics: { t: value },
    });
    const runs = [
      record('base', 1, 100),
      record('base', 2, 120),
      record('base', 3, 80),
      record('fast', 1, 50),
      record('fast', 2, 40),
      record('fast', 3, 60),
      {
        case: 'c',
        implementation: 'gone',
        round: 1,
        status: 'unavailable',
        reason: 'not here',
        wallMs: 1,
      } as const,
    ];
    const { implementations, goals } = aggregate(
      {
        baseline: 'base',
        metrics: [{ id: 't', label: 't', unit: 'ms', better: 'lower' }],
        goals: [
          { implementation: 'fast', metric: 't', maxRatio: 0.6 },
          { implementation: 'fast', metric: 't', maxRatio: 0.4 },
          { implementation: 'gone', metric: 't', maxRatio: 1 },
        ],
      },
      ['base', 'fast', 'gone'],
      runs,
    );
    expect(
      implementations.map((i) => [i.name, i.status, i.metrics.t?.median, i.metrics.t?.ratio]),
    ).toEqual([
      ['base', 'ok', 100, undefined],
      ['fast', 'ok', 50, 0.5],
      ['gone', 'unavailable', undefined, undefined],
    ]);
    expect(implementations[2]!.reason).toBe('not here');
    expect(goals.map((g) => g.status)).toEqual(['pass', 'fail', 'not evaluated']);
  });
});

describe('runner output', () => {
  it('takes the last protocol line and ignores other output', () => {
    const stdout = [
      '{"metrics": {"t": 1}}',
      'child chatter',
      '{"other": true}',
      '{"metrics": {"t": 2}}',
      '',
    ].join('\n');
    expect(parseRunnerOutput(stdout)).toEqual({ metrics: { t: 2 } });
    expect(parseRunnerOutput('{"unavailable": "no fork"}\n')).toEqual({ unavailable: 'no fork' });
    expect(parseRunnerOutput('nothing\n{"metrics": [1]}\n')).toBeUndefined();
  });

  it('keeps paths out of committed reasons', () => {
    expect(redactPaths('imported from /repo/root/bench/lib/runner.mjs', '/repo/root')).toBe(
      'imported from bench/lib/runner.mjs',
    );
    expect(redactPaths('at file:///repo/root/bench/x.mjs:2:7', '/repo/root')).toBe(
      'at bench/x.mjs:2:7',
    );
  });

  it('sums up a failure by its error line', () => {
    const node =
      "file:///x.mjs:2\nthrow new Error('boom');\n^\n\nError: boom\n    at file:///x.mjs:2:7\n\nNode.js v20.20.2\n";
    expect(failureSummary(node)).toBe('Error: boom');
    const python =
      'Traceback (most recent call last):\n  File "x.py", line 1\nRuntimeError: child exited with 1\n';
    expect(failureSummary(python)).toBe('RuntimeError: child exited with 1');
    expect(failureSummary('one\ntwo\nthree\nfour\n')).toBe('two | three | four');
  });
});
