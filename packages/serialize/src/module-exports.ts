/**
 * What an ES module's source text says about its exports, for modules whose namespace cannot be
 * read synchronously: TypeScript that a loader such as tsx compiled (requiring the file again
 * would evaluate a second copy), or a module still in its top-level await. The source is what V8
 * runs, after the loader's transform, so positions match the ones V8 reports for functions.
 */
import { createRequire } from 'node:module';

const nodeRequire = createRequire(import.meta.url);

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}
type ParseModule = (source: string, options: object) => { body: Node[] };
let parseModule: ParseModule | undefined;

/** The top-level statements of `source` parsed as an ES module, or `null` if it is not one. */
export function parseModuleBody(source: string): Node[] | null {
  try {
    parseModule ??= (nodeRequire('acorn') as { parse: ParseModule }).parse;
    return parseModule(source, { ecmaVersion: 'latest', sourceType: 'module' }).body;
  } catch {
    return null;
  }
}

function exportedName(spec: Node): string {
  const exported = spec['exported'] as Node;
  return (exported['name'] ?? exported['value']) as string;
}

/**
 * The names a module body exports; `null` when that cannot be known (no import or export at all,
 * so maybe not an ES module; an `export *`; a destructuring export).
 */
export function exportNamesIn(body: Node[]): Set<string> | null {
  const names = new Set<string>();
  let sawModuleSyntax = false;
  for (const node of body) {
    if (node.type === 'ImportDeclaration') sawModuleSyntax = true;
    if (node.type === 'ExportAllDeclaration') return null;
    if (node.type === 'ExportDefaultDeclaration') {
      sawModuleSyntax = true;
      names.add('default');
    }
    if (node.type !== 'ExportNamedDeclaration') continue;
    sawModuleSyntax = true;
    const declaration = node['declaration'] as Node | null;
    if (declaration?.type === 'VariableDeclaration') {
      for (const d of declaration['declarations'] as Node[]) {
        const id = d['id'] as Node;
        if (id.type !== 'Identifier') return null;
        names.add(id['name'] as string);
      }
    } else if (declaration) {
      names.add((declaration['id'] as Node)['name'] as string);
    }
    for (const spec of (node['specifiers'] as Node[] | undefined) ?? [])
      names.add(exportedName(spec));
  }
  return sawModuleSyntax ? names : null;
}

const functionLike = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ClassDeclaration',
  'ClassExpression',
]);

/** The innermost function or class whose text contains `offset`. */
function innermostAt(node: Node, offset: number, best: Node | null): Node | null {
  if (functionLike.has(node.type)) best = node;
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? (value as unknown[]) : [value]) {
      const c = child as Node | null;
      if (c && typeof c.type === 'string' && c.start <= offset && offset < c.end) {
        return innermostAt(c, offset, best);
      }
    }
  }
  return best;
}

/**
 * esbuild (tsx's compiler) keeps function names by wrapping them: `const f = __name(() => …, "f")`.
 * That call returns its first argument, so the binding holds the function itself.
 */
function unwrapKeepName(init: Node | null): Node | null {
  if (init?.type !== 'CallExpression') return init;
  const callee = init['callee'] as Node;
  if (callee.type !== 'Identifier' || callee['name'] !== '__name') return init;
  return (init['arguments'] as Node[])[0] ?? null;
}

/**
 * The top-level binding that holds `fn` (a declaration's name), `'default'` for an anonymous
 * default export, `null` for none, `undefined` for a binding that may be reassigned (`let`, `var`).
 */
function bindingOf(body: Node[], fn: Node): string | null | undefined {
  for (const statement of body) {
    let node = statement;
    if (node.type === 'ExportDefaultDeclaration' && node['declaration'] === fn) {
      return ((fn['id'] as Node | null)?.['name'] as string | undefined) ?? 'default';
    }
    if (node.type === 'ExportNamedDeclaration' && node['declaration'])
      node = node['declaration'] as Node;
    if (node === fn) return (fn['id'] as Node)['name'] as string;
    if (node.type !== 'VariableDeclaration') continue;
    for (const d of node['declarations'] as Node[]) {
      if (unwrapKeepName(d['init'] as Node | null) !== fn) continue;
      const id = d['id'] as Node;
      if (id.type !== 'Identifier') return null;
      return node['kind'] === 'const' ? (id['name'] as string) : undefined;
    }
  }
  return null;
}

/** The names under which a module body exports its top-level binding `local`. */
function exportsOfBinding(body: Node[], local: string): string[] {
  const names: string[] = [];
  for (const node of body) {
    if (node.type === 'ExportDefaultDeclaration') {
      const declaration = node['declaration'] as Node;
      if (declaration.type === 'Identifier' && declaration['name'] === local) names.push('default');
      if ((declaration['id'] as Node | null)?.['name'] === local) names.push('default');
    }
    if (node.type !== 'ExportNamedDeclaration' || node['source']) continue;
    const declaration = node['declaration'] as Node | null;
    const declared =
      declaration?.type === 'VariableDeclaration'
        ? (declaration['declarations'] as Node[]).map((d) => (d['id'] as Node)['name'])
        : [(declaration?.['id'] as Node | undefined)?.['name']];
    if (declared.includes(local)) names.push(local);
    for (const spec of (node['specifiers'] as Node[] | undefined) ?? []) {
      if ((spec['local'] as Node)['name'] === local) names.push(exportedName(spec));
    }
  }
  return names;
}

/**
 * The name under which a module exports the function or class that starts at `offset` of its
 * source (V8's `[[FunctionLocation]]`), decided by position, so a nested function that shares an
 * exported function's name is not mistaken for it. `null`: not exported; `undefined`: cannot tell
 * (a `let` binding that may be reassigned).
 *
 * @param ownName - the function's `name`, preferred when several exports alias it.
 */
export function exportNameAt(
  body: Node[],
  offset: number,
  ownName: string,
): string | null | undefined {
  let found: Node | null = null;
  for (const statement of body) {
    if (statement.start <= offset && offset < statement.end) {
      found = innermostAt(statement, offset, null);
      break;
    }
  }
  if (!found) return null;
  const local = bindingOf(body, found);
  if (local === 'default' && found['id'] == null) return 'default';
  if (typeof local !== 'string') return local;
  const names = exportsOfBinding(body, local);
  if (names.includes(ownName)) return ownName;
  return names[0] ?? null;
}
