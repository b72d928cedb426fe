/**
 * Where was a function defined, and under which name does its module export it?
 *
 * JavaScript gives a function no pointer to its module. V8's inspector does: an in-process
 * `inspector.Session` answers synchronously, `Runtime.getProperties` on a function reports its
 * `[[FunctionLocation]]` (a script id), and `Debugger.scriptParsed` maps script ids to module URLs.
 * The module's exports (CommonJS `require.cache`, or the ES module namespace that `require()`
 * returns for an already loaded module on Node ≥ 20.19) then give the export name by identity.
 *
 * The Debugger domain is on only for the moment it is needed: while it is on, V8 takes a slow
 * path for every promise (measured on Node 20: an `await` went from 60 to 410 ns, and every
 * async round trip of the program with it). Turning it on replays every loaded script into the
 * table (~2 ms for 250 scripts, ~17 ms the first time), so the table is refreshed only when it
 * lacks a script id or a module asked about. A lookup takes ~0.1 ms and is cached per function.
 *
 * Limits: bound functions, built-ins and functions made by `eval`/`new Function` have no module;
 * if Node was built without the inspector, only CommonJS modules in `require.cache` are searched.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportNameAt, exportNamesIn, parseModuleBody } from './module-exports.js';

const nodeRequire = createRequire(import.meta.url);

/** A function's defining module and, when it could be established, its export name. */
export interface FunctionLocation {
  /** The module's URL (`file:///…`). */
  url: string;
  /**
   * The name under which the module exports the function: a named export, `'default'`
   * (ESM default export, or CommonJS `module.exports` itself); `null` if it is not exported;
   * `undefined` if the module's exports could not be read synchronously.
   */
  exportName: string | null | undefined;
}

interface InspectorSession {
  connect(): void;
  post(
    method: string,
    params?: object,
    callback?: (error: Error | null, result?: unknown) => void,
  ): void;
  on(
    event: string,
    listener: (message: { params: { scriptId: string; url: string } }) => void,
  ): void;
}

interface LocatorState {
  session: InspectorSession | null;
  /** Script id → URL, as of the last time the Debugger domain was on. */
  scripts: Map<string, string>;
  /** When the table was last refreshed (`performance.now()`). */
  refreshedAt: number;
  realmGlobal: Record<string, unknown>;
  cache: WeakMap<object, FunctionLocation | null>;
}

/**
 * The locator lives in the main realm, once per process. Code under test runners (Jest) runs in
 * a vm context per test file, whose globals the runner deletes afterwards; the inspector session
 * and its script table must outlive them, and one session serves every context.
 */
function mainRealm(inspector: unknown): Record<string | symbol, unknown> {
  try {
    // A core module's constructor is a main-realm Function, which reaches that realm's global.
    return (inspector as { Session: { constructor: FunctionConstructor } }).Session.constructor(
      'return globalThis',
    )() as Record<string | symbol, unknown>;
  } catch {
    return globalThis; // code generation disabled
  }
}

const kState = Symbol.for('multiproc.locator');
let state: LocatorState | undefined;

function locatorState(): LocatorState {
  if (state) return state;
  let inspector: { Session: new () => InspectorSession } | undefined;
  try {
    inspector = nodeRequire('node:inspector') as { Session: new () => InspectorSession };
  } catch {
    inspector = undefined; // Node built without the inspector
  }
  const realm = inspector
    ? mainRealm(inspector)
    : (globalThis as unknown as Record<symbol, unknown>);
  state = realm[kState] as LocatorState | undefined;
  if (!state) {
    const scripts = new Map<string, string>();
    let session: InspectorSession | null = null;
    if (inspector) {
      try {
        session = new inspector.Session();
        session.connect();
        session.on('Debugger.scriptParsed', ({ params }) => {
          if (params.url) scripts.set(params.scriptId, params.url);
        });
      } catch {
        session = null;
      }
    }
    state = { session, scripts, refreshedAt: 0, realmGlobal: realm, cache: new WeakMap() };
    Object.defineProperty(realm, kState, { value: state, enumerable: false, configurable: true });
    // The table is filled when first needed: a function of a CommonJS module is located without
    // it (see `cjsModuleAt`).
  }
  return state;
}

/**
 * Runs `fn` with the Debugger domain on, and turns it off again (see the top of this file).
 * An in-process session answers synchronously: `scriptParsed` for every loaded script has
 * reached the table when `Debugger.enable` returns.
 */
function withDebugger<T>(s: InspectorSession, fn: () => T): T {
  s.post('Debugger.enable');
  try {
    return fn();
  } finally {
    s.post('Debugger.disable');
  }
}

/** Brings the script table up to date (scripts parsed while the domain was off). */
function refreshScripts(state: LocatorState): void {
  if (!state.session) return;
  withDebugger(state.session, () => undefined);
  state.refreshedAt = performance.now();
}

/**
 * The shortest time between two refreshes asked for by messages from sockets, which a stranger
 * could otherwise use to make this process replay its scripts for every frame.
 */
const kUntrustedRefreshMs = 100;

const kSlot = '__multiprocLocateTarget';

function callSync<T>(s: InspectorSession, method: string, params: object): T | undefined {
  let out: T | undefined;
  s.post(method, params, (error, result) => {
    if (!error) out = result as T;
  });
  return out;
}

/** The URL of the module that defines `fn`, or `null` if it has none (built-in, eval, bound). */
function scriptUrlOf(fn: object): string | null {
  const state = locatorState();
  if (!state.session) return cjsScriptUrlOf(fn);
  const where = functionLocationOf(state, fn);
  if (!where) return null;
  if (!state.scripts.has(where.scriptId)) {
    const cjs = cjsModuleAt(fn, where);
    if (cjs === undefined) refreshScripts(state);
    else state.scripts.set(where.scriptId, cjs);
  }
  const url = state.scripts.get(where.scriptId);
  return url && url.startsWith('file:') ? url : null;
}

/** Where V8 says `fn` starts: its script's inspector id, and 0-based line and column. */
interface ScriptPosition {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/** The script and position that define `fn`, or `null`. */
function functionLocationOf(state: LocatorState, fn: object): ScriptPosition | null {
  const s = state.session;
  if (!s) return null;
  state.realmGlobal[kSlot] = fn;
  try {
    const evaluated = callSync<{ result: { objectId?: string } }>(s, 'Runtime.evaluate', {
      expression: `globalThis.${kSlot}`,
      silent: true,
    });
    const objectId = evaluated?.result.objectId;
    if (!objectId) return null;
    try {
      const props = callSync<{
        internalProperties?: { name: string; value?: { value?: ScriptPosition } }[];
      }>(s, 'Runtime.getProperties', { objectId, ownProperties: true });
      return (
        props?.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value ??
        null
      );
    } finally {
      s.post('Runtime.releaseObject', { objectId });
    }
  } finally {
    delete state.realmGlobal[kSlot];
  }
}

/** The source V8 runs for a script (after any loader's transform). */
function scriptSourceOf(s: InspectorSession, scriptId: string): string | undefined {
  return withDebugger(
    s,
    () =>
      callSync<{ scriptSource: string }>(s, 'Debugger.getScriptSource', { scriptId })?.scriptSource,
  );
}

/**
 * The names an ES module exports, read from the source V8 runs for the module that defines `fn`
 * (after any loader's transform, so TypeScript under tsx too): for a module whose exports cannot
 * be read yet (it is still in its top-level await). `null` when that cannot be known: no
 * inspector, a source that is not an ES module, or an `export *`.
 */
export function staticExportNamesOf(fn: object): Set<string> | null {
  const state = locatorState();
  const s = state.session;
  const where = s && functionLocationOf(state, fn);
  const source = where ? scriptSourceOf(s, where.scriptId) : undefined;
  const body = source === undefined ? null : parseModuleBody(source);
  return body ? exportNamesIn(body) : null;
}

let lastParsed:
  { scriptId: string; source: string; body: ReturnType<typeof parseModuleBody> } | undefined;

/**
 * The export name of `fn` decided from its module's source and its position there, for an ES
 * module whose namespace cannot be read synchronously (TypeScript under tsx). `undefined` when
 * the source does not tell.
 */
function exportNameByPosition(state: LocatorState, fn: object): string | null | undefined {
  const s = state.session;
  const where = s && functionLocationOf(state, fn);
  if (!where) return undefined;
  // Functions are usually described one module at a time: parse each module's source once.
  if (lastParsed?.scriptId !== where.scriptId) {
    const source = scriptSourceOf(s, where.scriptId);
    const body = source === undefined ? null : parseModuleBody(source);
    lastParsed = { scriptId: where.scriptId, source: source ?? '', body };
  }
  const { source, body } = lastParsed;
  if (!body || exportNamesIn(body) === null) return undefined;
  const offset = offsetAt(source, where.lineNumber, where.columnNumber);
  if (offset === undefined) return undefined;
  return exportNameAt(body, offset, (fn as { name?: string }).name ?? '');
}

/**
 * The CommonJS module that defines `fn`, found without the Debugger domain, whose first use costs
 * the process ~2 MiB of memory for good (V8's debugger state; measured 2.2 MiB of RSS on Node
 * 20): a module of `require.cache` that exports `fn` (a data property, so no getter runs) and
 * whose file holds `fn`'s source text across the position where V8 says `fn` starts. A module
 * that only re-exports `fn` does not hold its text there. `undefined` when no module is certain
 * (an ES module; a source a loader transformed): the script table decides then.
 */
function cjsModuleAt(fn: object, where: ScriptPosition): string | undefined {
  let source: string | undefined;
  for (const [path, mod] of Object.entries(nodeRequire.cache)) {
    if (!mod || !exportsByValue(mod.exports, fn)) continue;
    source ??= Function.prototype.toString.call(fn);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const offset = offsetAt(text, where.lineNumber, where.columnNumber);
    if (offset === undefined) continue;
    const start = text.lastIndexOf(source, offset);
    if (start >= 0 && start + source.length > offset) return pathToFileURL(path).href;
  }
  return undefined;
}

/** Whether `exports` is `fn` or holds it in an own data property. */
function exportsByValue(exports: unknown, fn: object): boolean {
  if (exports === fn) return true;
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null)
    return false;
  try {
    const descriptors = Object.getOwnPropertyDescriptors(exports);
    for (const key of Object.keys(descriptors)) if (descriptors[key]?.value === fn) return true;
  } catch {
    // A proxy that refuses to be inspected: not this one.
  }
  return false;
}

/** The offset of a 0-based line and column in `text` (lines end at `\n`), or `undefined`. */
function offsetAt(text: string, line: number, column: number): number | undefined {
  let lineStart = 0;
  for (let i = 0; i < line; i++) {
    lineStart = text.indexOf('\n', lineStart) + 1;
    if (lineStart === 0) return undefined;
  }
  return lineStart + column;
}

/** Without the inspector: search the CommonJS module cache by identity. */
function cjsScriptUrlOf(fn: object): string | null {
  for (const [path, mod] of Object.entries(nodeRequire.cache)) {
    if (mod && exportNameIn(mod.exports, fn) !== null) return pathToFileURL(path).href;
  }
  return null;
}

/** The name under which `exports` holds `fn`, by identity. */
function exportNameIn(exports: unknown, fn: object): string | null {
  if (exports === fn) return 'default';
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null)
    return null;
  const names = Object.keys(exports);
  // Prefer the function's own name when several exports alias it.
  const own = (fn as { name?: string }).name;
  if (own && names.includes(own) && (exports as Record<string, unknown>)[own] === fn) return own;
  for (const name of names) if ((exports as Record<string, unknown>)[name] === fn) return name;
  return null;
}

/** The exports of a CommonJS module still evaluating: an export may be assigned later. */
class Incomplete {
  constructor(readonly exports: unknown) {}
}

/**
 * The exports of an already loaded module, read without evaluating anything new, or `undefined`
 * if they cannot be read synchronously.
 */
function loadedExports(url: string): unknown {
  const path = fileURLToPath(url);
  const cached = nodeRequire.cache[path];
  if (cached) return cached.loaded ? cached.exports : new Incomplete(cached.exports);
  // TypeScript files load only through a loader; requiring one here could evaluate it again.
  if (!/\.m?js$/.test(path)) return undefined;
  try {
    // Node ≥ 20.19 returns the namespace of an ES module the loader already evaluated.
    return nodeRequire(path) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Finds the module that defines `fn` and the name it is exported under. `null` if `fn` has no
 * module (built-ins, bound functions, `eval`).
 */
export function locateFunction(fn: object): FunctionLocation | null {
  const state = locatorState();
  const cached = state.cache.get(fn);
  if (cached !== undefined) return cached;
  const url = scriptUrlOf(fn);
  let location: FunctionLocation | null = null;
  if (url) {
    const exports = loadedExports(url);
    let exportName: string | null | undefined;
    if (exports instanceof Incomplete) exportName = exportNameIn(exports.exports, fn) ?? undefined;
    else if (exports !== undefined) exportName = exportNameIn(exports, fn);
    else exportName = exportNameByPosition(state, fn);
    if (exportName === null && exports !== undefined) {
      // The module was evaluated by a test runner's own loader: the copy we can see is another
      // instance. Match by name and source text instead of identity.
      exportName = exportNameBySource(exports, fn);
    }
    location = { url, exportName };
  }
  // An undecided export name (module still evaluating) may be decidable later: do not cache it.
  if (location?.exportName !== undefined) state.cache.set(fn, location);
  return location;
}

function exportNameBySource(exports: unknown, fn: object): string | null {
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null)
    return null;
  const source = Function.prototype.toString.call(fn);
  const candidates: [string, unknown][] = [['default', exports], ...Object.entries(exports)];
  const own = (fn as { name?: string }).name;
  let match: string | null = null;
  for (const [name, value] of candidates) {
    if (typeof value !== 'function' || Function.prototype.toString.call(value) !== source) continue;
    if (name === own) return name;
    match ??= name;
  }
  return match;
}

/** Whether Node loads `url` only through a loader such as tsx (a TypeScript file). */
export function isLoaderOnly(url: string): boolean {
  return /\.[cm]?tsx?(\?.*)?$/.test(url);
}

/**
 * Whether `url` is a loader-only module that runs here as an ES module (a tsx main module) and
 * not through `require()`: `require()` of it would run a second copy, under another loader.
 */
export function isImportedLoaderModule(url: string): boolean {
  if (!isLoaderOnly(url) || !isLoadedModule(url)) return false;
  try {
    return nodeRequire.cache[fileURLToPath(url)] === undefined;
  } catch {
    return false;
  }
}

/**
 * Whether the module at `url` has already been loaded into this process (its code has run), so
 * that reading its exports runs nothing new. CommonJS modules are found in `require.cache`, ES
 * modules in the inspector's table of parsed scripts, refreshed when it lacks `url`; at most
 * every `kUntrustedRefreshMs` if `fromSocket` (so an ES module loaded within that time of the
 * last refresh may be taken for one not loaded, and a value of its class refused).
 */
export function isLoadedModule(url: string, fromSocket = false): boolean {
  if (!url.startsWith('file:')) return false;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    return false;
  }
  if (nodeRequire.cache[path]) return true;
  const state = locatorState();
  if (inTable(state, url)) return true;
  if (fromSocket && performance.now() - state.refreshedAt < kUntrustedRefreshMs) return false;
  refreshScripts(state);
  return inTable(state, url);
}

function inTable(state: LocatorState, url: string): boolean {
  for (const loaded of state.scripts.values()) if (loaded === url) return true;
  return false;
}
