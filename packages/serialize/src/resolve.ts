/**
 * The receiving side of function transport: turning a `FunctionSpec` back into a function.
 */
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { wrapFunctionSource } from './free-variables.js';
import type { FunctionSpec } from './functions.js';
import { sharedState } from './shared-state.js';

/** Loads the exports of a module for the receiving side (cached by the module system). */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  return (await import(url)) as Record<string, unknown>;
}

/** Picks an export from a namespace returned by `import()`, CommonJS interop included. */
export function pickExport(namespace: Record<string, unknown>, name: string): unknown {
  if (name in namespace) return namespace[name];
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

function compile(spec: Extract<FunctionSpec, { kind: 'source' }>): unknown {
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
      const namespace = await importModule(spec.module);
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
