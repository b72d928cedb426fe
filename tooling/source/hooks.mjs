// The ES module half of the source loader (registered by register.cjs): the same mapping of
// workspace packages to src/ as its CommonJS half, and TypeScript compiled to ES modules, as the
// build's `dist/<name>.js` twins of `dist/<name>.cjs`.
import { createRequire } from 'node:module';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { inWorkspace, sourceOfPath, sourceOfSpecifier } = require('./workspace.cjs');
const { compileFile } = require('./compile.cjs');

const isPath = (specifier) => /^\.{1,2}(\/|$)/.test(specifier) || isAbsolute(specifier);

function fileOf(url) {
  return url?.startsWith('file:') ? fileURLToPath(url) : undefined;
}

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const parent = fileOf(context.parentURL);
  const entry = inWorkspace(parent) && sourceOfSpecifier(specifier, parent);
  if (entry) return { url: pathToFileURL(entry).href, shortCircuit: true };
  let target;
  if (specifier.startsWith('file:')) target = fileOf(specifier);
  else if (isPath(specifier))
    target = resolvePath(parent ? resolvePath(parent, '..') : process.cwd(), specifier);
  const named = target && sourceOfPath(target);
  if (named) return { url: pathToFileURL(named).href, shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  const built = sourceOfPath(fileOf(resolved.url) ?? '');
  return built ? { url: pathToFileURL(built).href, shortCircuit: true } : resolved;
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  const file = fileOf(url);
  if (!file?.endsWith('.ts')) return nextLoad(url, context);
  return { format: 'module', source: compileFile(file, 'module'), shortCircuit: true };
}
