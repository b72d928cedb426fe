/**
 * Sending functions to other processes (API.md, "Functions that run in other processes").
 *
 * 1. An exported function goes by reference: module URL + export name; the receiver imports it.
 * 2. A self-contained function goes by source and is compiled once per receiving process.
 * 3. `taskRef(module, name)` names an export explicitly.
 * Built-ins reachable from `globalThis` (`Math.sqrt`) go by their global path.
 */
import { createRequire } from 'node:module';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeFunctionSource, type FunctionSourceAnalysis } from './free-variables.js';
import type { FunctionSpec, SourceSpec } from './function-spec.js';
import { isLoaderOnly, locateFunction, staticExportNamesOf } from './locate.js';
import { sharedState } from './shared-state.js';

export type { FunctionSpec } from './function-spec.js';

const kTaskRef = Symbol.for('multiproc.taskRef');

/**
 * An explicit reference to an exported function: what `taskRef()` returns. Accepted wherever a
 * target function is (Process targets, pool tasks, manager callables).
 */
export interface TaskRef {
  readonly [kTaskRef]: true;
  /** The module's URL (`file:///…`) or a bare package specifier. */
  readonly module: string;
  /** The export name (`'default'` for a default export). */
  readonly name: string;
}

/**
 * Names an exported function by module and export name, for functions the caller cannot (or
 * would rather not) import itself.
 *
 * @param module - a file URL, an absolute or relative path (relative to `process.cwd()`), or a
 *   package specifier resolvable from the current directory.
 * @param name - the export name; `'default'` for the default export.
 * @example
 * ```ts
 * const result = await pool.apply(taskRef(new URL('./tasks.js', import.meta.url), 'resize'), [img]);
 * ```
 */
export function taskRef(module: string | URL, name = 'default'): TaskRef {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`taskRef name must be a non-empty string, got ${String(name)}`);
  }
  const text = module instanceof URL ? module.href : module;
  if (typeof text !== 'string' || text === '') {
    throw new TypeError(
      `taskRef module must be a URL, a path or a package name, got ${String(module)}`,
    );
  }
  return Object.freeze({ [kTaskRef]: true as const, module: normalizeModule(text), name });
}

function normalizeModule(text: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text)) return text; // URL (file:, node:, data:)
  if (isAbsolute(text) || text.startsWith('.')) return pathToFileURL(resolvePath(text)).href;
  // A package specifier: resolve it from the caller's working directory, where the user's
  // dependencies live, rather than from multiproc's own folder.
  try {
    return pathToFileURL(createRequire(resolvePath('noop.js')).resolve(text)).href;
  } catch {
    return text;
  }
}

/** True for what `taskRef()` returns. */
export function isTaskRef(value: unknown): value is TaskRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [kTaskRef]?: unknown })[kTaskRef] === true
  );
}

/** Names that a function sent by source may use freely besides the runtime's globals. */
const allowedFreeNames = new Set(['require', 'undefined', 'NaN', 'Infinity', 'globalThis']);

interface GlobalFunctionIndex {
  index: Map<unknown, string> | undefined;
}
const globalFunctions = sharedState<GlobalFunctionIndex>('globalFunctions', () => ({
  index: undefined,
}));

/** Built-in functions reachable as `globalThis.X` or `globalThis.X.Y` (`Math.sqrt`, `JSON.parse`). */
function globalPathOf(fn: object): string | undefined {
  if (!globalFunctions.index) {
    const index = new Map<unknown, string>();
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (
        !/^[A-Z]/.test(name) &&
        name !== 'parseInt' &&
        name !== 'parseFloat' &&
        name !== 'isNaN' &&
        name !== 'isFinite'
      )
        continue;
      // Data properties only: reading one of Node's lazy globals (its getter) would load a whole
      // subsystem (fetch's undici: ~100 ms and several MiB per process). A lazy global that the
      // program has used is a data property by then, so nothing it can hold is missed.
      const value = Object.getOwnPropertyDescriptor(globalThis, name)?.value as unknown;
      if (typeof value === 'function') index.set(value, name);
      if ((typeof value === 'object' || typeof value === 'function') && value !== null) {
        for (const member of Object.getOwnPropertyNames(value)) {
          const descriptor = Object.getOwnPropertyDescriptor(value, member);
          if (typeof descriptor?.value === 'function' && !index.has(descriptor.value)) {
            index.set(descriptor.value, `${name}.${member}`);
          }
        }
      }
    }
    globalFunctions.index = index;
  }
  return globalFunctions.index.get(fn);
}

/**
 * Works out how `fn` travels, or throws a `TypeError` that says why it cannot and how to fix it.
 * Synchronous: it never waits, so `Process.start()` can refuse a bad target at once.
 *
 * @param path - how the caller names the function in messages (`target`, `fn`, `args[0]`).
 */
export function describeFunction(fn: unknown, path = 'target'): FunctionSpec {
  if (isTaskRef(fn)) return { kind: 'ref', module: fn.module, name: fn.name };
  if (typeof fn !== 'function') {
    throw new TypeError(`${path} must be a function or a taskRef(), got ${describeKind(fn)}`);
  }
  const globalPath = globalPathOf(fn);
  if (globalPath) return { kind: 'global', path: globalPath };
  const label = fn.name ? `${path} (function ${fn.name})` : path;
  const source = Function.prototype.toString.call(fn);
  if (source.endsWith('{ [native code] }')) {
    throw new TypeError(
      `${label} is a bound or built-in function and cannot be sent; pass an exported function, ` +
        `or taskRef(module, name)`,
    );
  }
  const location = locateFunction(fn);
  if (location?.exportName) {
    const ref: FunctionSpec = { kind: 'ref', module: location.url, name: location.exportName };
    if (isLoaderOnly(location.url)) {
      const fallback = selfContained(fn, source);
      if (fallback) ref.fallback = fallback;
    }
    return ref;
  }
  if (source.startsWith('class ') || source.startsWith('class{')) {
    throw new TypeError(
      `${label} is a class that its module does not export; export it so it can be sent by reference`,
    );
  }
  let analysis;
  try {
    analysis = analyzeFunctionSource(source);
  } catch {
    throw new TypeError(
      `${label} cannot be sent: its source text could not be parsed as a function`,
    );
  }
  const free = freeNames(analysis);
  if (free.length === 0 && analysis.lexical.length === 0) {
    return { kind: 'source', source, form: analysis.form, name: fn.name };
  }
  if (location && location.exportName === undefined && fn.name) {
    // Its module's exports could not be read here (an ES module still in its top-level await,
    // say). The module's export statements tell whether the name is exported at all; if so,
    // send it by name and let the receiver confirm the export.
    const exported = staticExportNamesOf(fn);
    if (exported === null || exported.has(fn.name)) {
      return { kind: 'ref', module: location.url, name: fn.name, guessed: true };
    }
  }
  const used = [...free.map((n) => `the variable ${n}`), ...analysis.lexical.map((n) => n)];
  const first = free[0] ?? analysis.lexical[0] ?? '';
  const why = location ? 'is not exported from its module' : 'has no module';
  throw new TypeError(
    `${label} ${why} and uses ${used.join(', ')} from its enclosing scope, so it cannot be sent by ` +
      `source. Export it from its module (it is then sent by reference), or pass ${first} as an argument.`,
  );
}

function freeNames(analysis: FunctionSourceAnalysis): string[] {
  return analysis.free.filter((name) => !allowedFreeNames.has(name) && !(name in globalThis));
}

/** `fn` as a source spec when it uses nothing from its enclosing scope, else undefined. */
function selfContained(fn: { name: string }, source: string): SourceSpec | undefined {
  if (source.startsWith('class')) return undefined;
  try {
    const analysis = analyzeFunctionSource(source);
    if (freeNames(analysis).length > 0 || analysis.lexical.length > 0) return undefined;
    return { kind: 'source', source, form: analysis.form, name: fn.name };
  } catch {
    return undefined; // a class, or text that is not a function: no fallback
  }
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `${value.constructor?.name ?? 'an object'} instance`;
  return `${typeof value} ${JSON.stringify(value) ?? ''}`.trim();
}

export { resolveFunction, resolveFunctionSync } from './resolve.js';
