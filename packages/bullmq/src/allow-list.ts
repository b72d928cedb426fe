/**
 * Which functions a worker agrees to run. Whoever can write to the queue chooses the function;
 * the worker's policy is the only limit on what that function may be.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FunctionSpec } from '@multiproc/serialize';

/** A worker's policy, built from its options. */
export interface TaskPolicy {
  /** URL prefixes and bare package names; null lets every importable module through */
  modules: { prefix: string; exact: boolean }[] | null;
  functionSource: boolean;
}

/**
 * Turns allow-list entries into prefixes: a path or `file:` URL ending in `/` admits every module
 * under that folder, any other path or URL that one file; a bare name (`sharp`, `@org/tasks`)
 * admits that package's specifier and its subpaths.
 */
export function buildPolicy(
  allowModules: readonly string[] | null,
  functionSource: boolean,
): TaskPolicy {
  if (allowModules === null) return { modules: null, functionSource };
  const modules = allowModules.map((entry) => {
    const folder = entry.endsWith('/');
    if (/^[a-z][a-z0-9+.-]*:/i.test(entry)) return { prefix: entry, exact: !folder };
    if (isAbsolute(entry) || entry.startsWith('.')) {
      const href = pathToFileURL(resolve(entry)).href;
      return folder
        ? { prefix: href.endsWith('/') ? href : `${href}/`, exact: false }
        : { prefix: href, exact: true };
    }
    return { prefix: entry, exact: true };
  });
  return { modules, functionSource };
}

/** Built-ins that would run code or touch the process, whatever the policy. */
const refusedGlobals = new Set(['Function', 'eval']);

/** Why the policy refuses `fn`, or null when it may run. */
export function refusal(fn: FunctionSpec, policy: TaskPolicy): string | null {
  switch (fn.kind) {
    case 'source':
      return policy.functionSource
        ? null
        : `the task ${fn.name ? `${fn.name} ` : ''}was sent as source code, which this worker refuses; ` +
            'send an exported function, or start the worker with --allow-function-source';
    case 'global':
      // Only the shape a caller produces (`Math.sqrt`, `parseInt`): never a path into `process`.
      if (
        refusedGlobals.has(fn.path.split('.')[0] as string) ||
        !/^([A-Z][A-Za-z0-9]*(\.[A-Za-z_$][A-Za-z0-9_$]*)?|parseInt|parseFloat|isNaN|isFinite)$/.test(
          fn.path,
        )
      )
        return `the built-in ${fn.path} may not run as a task`;
      return null;
    case 'ref':
      if (fn.fallback && !policy.functionSource) {
        return `the task ${fn.name} carries its source code, which this worker refuses; start the worker with --allow-function-source`;
      }
      return moduleRefusal(fn.module, policy);
  }
}

/**
 * Why the policy refuses to load `module` (a task's module, or one that a value's class or handle
 * names), or null. Whatever the policy, only `file:` URLs, `node:` built-ins and package names
 * load: a `data:` or `http:` URL would be code from the network in disguise.
 */
export function moduleRefusal(module: string, policy: TaskPolicy): string | null {
  let url = module;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module)) {
    if (!/^(file|node):/i.test(module))
      return `the module ${module} is not a file: URL, a node: built-in or a package name`;
    url = module.startsWith('file:') ? new URL(module).href : module;
  } else if (module.startsWith('.') || module.startsWith('/') || module.split('/').includes('..')) {
    return `the module ${module} is not a file: URL, a node: built-in or a package name`;
  }
  if (policy.modules === null) return null;
  const allowed = policy.modules.some(({ prefix, exact }) =>
    exact
      ? url === prefix || (!prefix.includes(':') && url.startsWith(`${prefix}/`))
      : url.startsWith(prefix),
  );
  return allowed ? null : `the module ${url} is not on this worker's allow-list (--allow-module)`;
}
