/**
 * The case registry: every folder under `cases/` with a `case.mjs` is a case, named after the
 * folder. Adding a case is dropping a folder in; nothing here lists them.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { kUnits } from './types.js';
import type { CaseDescriptor, LoadedCase } from './types.js';

export const kDescriptorFile = 'case.mjs';
const kRunnerExtensions = ['.mjs', '.js', '.cjs', '.py'];

/** Names of the cases under `casesDir`, sorted. */
export function listCases(casesDir: string): string[] {
  return readdirSync(casesDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && existsSync(path.join(casesDir, entry.name, kDescriptorFile)),
    )
    .map((entry) => entry.name)
    .sort();
}

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

function describe(value: unknown): string {
  return `${JSON.stringify(value)} (${Array.isArray(value) ? 'array' : typeof value})`;
}

function requireString(where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    fail(where, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function optionalRecord(where: string, value: unknown): void {
  if (
    value !== undefined &&
    (typeof value !== 'object' || value === null || Array.isArray(value))
  ) {
    fail(where, `must be an object, got ${describe(value)}`);
  }
}

/**
 * Checks a descriptor before anything runs, naming the field at fault, so a typo in a new case
 * fails in a second instead of after a five-minute run.
 */
export function validateCase(name: string, dir: string, raw: unknown): LoadedCase {
  const where = `cases/${name}/${kDescriptorFile}`;
  if (typeof raw !== 'object' || raw === null)
    fail(where, `default export must be an object, got ${describe(raw)}`);
  const d = raw as Partial<CaseDescriptor>;
  requireString(`${where} title`, d.title);
  requireString(`${where} description`, d.description);
  const baseline = requireString(`${where} baseline`, d.baseline);
  optionalRecord(`${where} params`, d.params);
  optionalRecord(`${where} quickParams`, d.quickParams);
  if (d.rounds !== undefined && !(Number.isInteger(d.rounds) && d.rounds > 0)) {
    fail(`${where} rounds`, `must be a positive integer, got ${describe(d.rounds)}`);
  }
  if (d.timeoutMs !== undefined && !(Number.isFinite(d.timeoutMs) && d.timeoutMs > 0)) {
    fail(`${where} timeoutMs`, `must be a positive number, got ${describe(d.timeoutMs)}`);
  }

  if (!Array.isArray(d.metrics) || d.metrics.length === 0)
    fail(`${where} metrics`, 'must be a non-empty array');
  const metricIds = new Set<string>();
  d.metrics.forEach((m, i) => {
    const at = `${where} metrics[${i}]`;
    const id = requireString(`${at}.id`, m?.id);
    if (metricIds.has(id)) fail(`${at}.id`, `duplicate metric id ${JSON.stringify(id)}`);
    metricIds.add(id);
    requireString(`${at}.label`, m.label);
    if (!kUnits.includes(m.unit))
      fail(`${at}.unit`, `must be one of ${kUnits.join(', ')}; got ${describe(m.unit)}`);
    if (m.better !== 'lower' && m.better !== 'higher') {
      fail(`${at}.better`, `must be 'lower' or 'higher', got ${describe(m.better)}`);
    }
  });

  if (!Array.isArray(d.implementations) || d.implementations.length === 0) {
    fail(`${where} implementations`, 'must be a non-empty array');
  }
  const implNames = new Set<string>();
  d.implementations.forEach((impl, i) => {
    const at = `${where} implementations[${i}]`;
    const implName = requireString(`${at}.name`, impl?.name);
    if (implNames.has(implName))
      fail(`${at}.name`, `duplicate implementation ${JSON.stringify(implName)}`);
    implNames.add(implName);
    const runner = requireString(`${at}.runner`, impl.runner);
    if (!kRunnerExtensions.includes(path.extname(runner))) {
      fail(
        `${at}.runner`,
        `must end in ${kRunnerExtensions.join(', ')}; got ${JSON.stringify(runner)}`,
      );
    }
    if (!existsSync(path.join(dir, runner)))
      fail(`${at}.runner`, `${JSON.stringify(runner)} does not exist in ${dir}`);
    if (
      impl.args !== undefined &&
      !(Array.isArray(impl.args) && impl.args.every((a) => typeof a === 'string'))
    ) {
      fail(`${at}.args`, `must be an array of strings, got ${describe(impl.args)}`);
    }
    optionalRecord(`${at}.params`, impl.params);
  });
  if (!implNames.has(baseline)) {
    fail(
      `${where} baseline`,
      `must name one of the implementations (${[...implNames].join(', ')}); got ${JSON.stringify(baseline)}`,
    );
  }

  (d.goals ?? []).forEach((goal, i) => {
    const at = `${where} goals[${i}]`;
    if (!implNames.has(goal.implementation))
      fail(`${at}.implementation`, `unknown implementation ${describe(goal.implementation)}`);
    if (!metricIds.has(goal.metric))
      fail(`${at}.metric`, `unknown metric ${describe(goal.metric)}`);
    if (goal.maxRatio === undefined && goal.minRatio === undefined)
      fail(at, 'needs maxRatio or minRatio');
  });

  return { ...(d as CaseDescriptor), name, dir };
}

/** Imports and validates `casesDir/<name>/case.mjs`. */
export async function loadCase(casesDir: string, name: string): Promise<LoadedCase> {
  const dir = path.resolve(casesDir, name);
  const file = path.join(dir, kDescriptorFile);
  if (!existsSync(file)) throw new Error(`no case ${JSON.stringify(name)}: ${file} does not exist`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return validateCase(name, dir, mod.default);
}
