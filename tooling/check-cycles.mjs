// Fails when the modules of a package import each other in a cycle, type-only imports included:
// a cycle blurs which module stands on which, even when no value crosses it at run time.
// Usage: node tooling/check-cycles.mjs [package dir …] (default: every package under packages/).
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|cts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

// `import … from './x.js'`, `export … from './x.js'`, `import('./x.js')`, `import './x.js'`.
const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  const out = [];
  for (const [, spec] of text.matchAll(specifiers)) {
    const base = resolve(dirname(file), spec.replace(/\.(c|m)?js$/, ''));
    const target = ['.ts', '.mts', '.cts', '/index.ts'].map((ext) => base + ext).find(existsSync);
    if (target) out.push(target);
  }
  return out;
}

/** Strongly connected components with more than one module, or a module importing itself. */
function cycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indices.get(w)));
    }
    if (low.get(v) === indices.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

const packages = process.argv.slice(2).length
  ? process.argv.slice(2).map((p) => resolve(p))
  : readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p));
let failed = false;
for (const pkg of packages) {
  const src = join(pkg, 'src');
  if (!existsSync(src)) continue;
  const graph = new Map(sourceFiles(src).map((file) => [file, importsOf(file)]));
  for (const component of cycles(graph)) {
    failed = true;
    const names = component.map((file) => relative(root, file)).sort();
    console.error(`import cycle: ${names.join(' ↔ ')}`);
  }
}
if (failed) {
  console.error('Move what the modules share into a module that each of them imports.');
  process.exit(1);
}
