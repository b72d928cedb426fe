/**
 * The harness behind `pnpm bench`, for scripts that want to run cases themselves. Case authors
 * need only the types (`CaseDescriptor`) and the runner helpers in `lib/`.
 */
export { runBench, aggregate, rotate } from './harness.js';
export type { BenchOptions } from './harness.js';
export { listCases, loadCase, validateCase } from './cases.js';
export { parseRunnerOutput, runRunner } from './runner.js';
export { median, percentile, ratio, relativePerformance, summarize } from './stats.js';
export { formatRatio, formatValue, formatWithUnit, verdict } from './format.js';
export { renderMarkdown, renderSummary } from './report/markdown.js';
export { renderSvg } from './report/svg.js';
export type * from './types.js';
