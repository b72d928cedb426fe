/**
 * The receiving side of function transport: turning a `FunctionSpec` back into a function.
 */
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wrapFunctionSource } from './free-variables.js';
import type { FunctionSpec, SourceSpec } from './function-spec.js';
import { sharedState } from './shared-state.js';

const nodeRequire = createRequire(import.meta.url);

/** Module exports already loaded for decoding or resolving, by URL (shared with decode.ts). */
const loaded = sharedState<{ byUrl: Map<string, Record<string, unknown>> }>(
  'loadedModules',
  () => ({
    byUrl: new Map(),
  }),
);

/** Why `require()` could not load a module that `import()` can. */
const importOnly = new Set([
  'ERR_REQUIRE_ESM', // Node < 20.19 cannot require ES modules
  'ERR_REQUIRE_ASYNC_MODULE', // an ES module with top-level await
  'ERR_UNKNOWN_FILE_EXTENSION', // a loader (tsx) that hooks only import()
]);

/**
 * Loads a module's exports for the receiving side. `require()` first: on Node ≥ 20.19 it loads ES
 * modules too, synchronously, and a child that needs no ES module loader starts ~5 ms sooner
 * (measured); `import()` where `require()` cannot.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  let exports = loaded.byUrl.get(url);
  if (exports) return exports;
  if (url.startsWith('file:')) {
    try {
      exports = nodeRequire(fileURLToPath(url)) as Record<string, unknown>;
    } catch (error) {
      if (!importOnly.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
  exports ??= (await import(url)) as Record<string, unknown>;
  loaded.byUrl.set(url, exports);
  return exports;
}

/**
 * Picks an export from what `importModule` returned: an ES module namespace or CommonJS
 * `module.exports` (where `'default'` means `module.exports` itself).
 */
export function pickExport(namespace: Record<string, unknown>, name: string): unknown {
  if (name in namespace) return namespace[name];
  if (name === 'default') return namespace;
  const fallback = namespace['default'];
  if (
    (typeof fallback === 'object' || typeof fallback === 'function') &&
    fallback !== null &&
    name in fallback
  ) {
    return (fallback as Record<string, unknown>)[name];
  }
  return undefined;
}

interface CompiledCache {
  bySource: Map<string, unknown>;
}
const compiled = sharedState<CompiledCache>('compiledFunctions', () => ({ bySource: new Map() }));

/** The `require` given to functions compiled from source: resolves from the working directory. */
let sourceRequire: NodeJS.Require | undefined;

function compile(spec: SourceSpec): unknown {
  let fn = compiled.bySource.get(spec.source);
  if (fn === undefined) {
    sourceRequire ??= createRequire(resolvePath('noop.js'));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the sender explicitly sent this source (API.md rule 2)
    fn = new Function('require', `return ${wrapFunctionSource(spec.source, spec.form)};`)(
      sourceRequire,
    );
    compiled.bySource.set(spec.source, fn);
  }
  return fn;
}

/**
 * Turns a received `FunctionSpec` back into a callable: imports the module (once), compiles the
 * source (once per process), or looks up the global.
 */
export async function resolveFunction(
  spec: FunctionSpec,
): Promise<(...args: unknown[]) => unknown> {
  switch (spec.kind) {
    case 'source':
      return compile(spec) as (...args: unknown[]) => unknown;
    case 'global': {
      let value: unknown = globalThis;
      for (const part of spec.path.split('.')) value = (value as Record<string, unknown>)[part];
      if (typeof value !== 'function')
        throw new TypeError(`global ${spec.path} is not a function here`);
      return value as (...args: unknown[]) => unknown;
    }
    case 'ref': {
      let namespace: Record<string, unknown>;
      try {
        namespace = await importModule(spec.module);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !spec.fallback)
          throw error;
        return compile(spec.fallback) as (...args: unknown[]) => unknown;
      }
      const value = pickExport(namespace, spec.name);
      if (typeof value !== 'function') {
        const what =
          value === undefined ? 'does not export' : 'exports something other than a function as';
        throw new TypeError(`module ${spec.module} ${what} ${JSON.stringify(spec.name)}`);
      }
      return value as (...args: unknown[]) => unknown;
    }
  }
}

/** Synchronous twin of `resolveFunction` for specs that need no import (source and globals). */
export function resolveFunctionSync(
  spec: FunctionSpec,
): ((...args: unknown[]) => unknown) | undefined {
  if (spec.kind === 'source') return compile(spec) as (...args: unknown[]) => unknown;
  return undefined;
}
