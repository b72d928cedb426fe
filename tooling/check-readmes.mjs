// Fails when a package README names, in inline code, a class or a function that the package does
// not have: every `Name`, `new Name(…)` and `name(…)` must be an export of the package (public or
// internal entry), a method of one of its exported classes, an export of a sibling package, or a
// JavaScript global. Member accesses (`p.join()`), constants (`ERR_MP_…`, `SIGKILL`) and code
// blocks are not checked. Needs the packages built (it loads their `dist/`).
// Usage: node tooling/check-readmes.mjs
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Names READMEs may use that are not ours to export. */
const accepted = new Set([
  // CPython's, which READMEs compare with
  'BrokenPipeError',
  'OSError',
  // placeholders and words: `fn(...args)`, `registerShareable({ Class })`, `Int32` words
  'fn',
  'Class',
  'Int32',
  // Node's module scope
  'require',
  // the contract's names of packages being built on other branches (ARCHITECTURE.md)
  'Queue',
  'SimpleQueue',
  'JoinableQueue',
  'Manager',
  'BaseManager',
  'SyncManager',
  'SharedMemoryManager',
  'Namespace',
]);
for (const space of [Atomics, Math, JSON, Reflect])
  for (const name of Object.getOwnPropertyNames(space)) accepted.add(name);

/** Everything a loaded module offers by name: exports, and the members of exported classes. */
function namesOf(module, into) {
  for (const [name, value] of Object.entries(module)) {
    into.add(name);
    if (typeof value !== 'function') continue;
    for (let p = value.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
      for (const member of Object.getOwnPropertyNames(p)) into.add(member);
    for (const member of Object.getOwnPropertyNames(value)) into.add(member);
  }
}

/** Exported type names, from the package's declarations (interfaces, type aliases). */
function typeNamesOf(dts, into) {
  if (!existsSync(dts)) return;
  const text = readFileSync(dts, 'utf8');
  for (const [, names] of text.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g))
    for (const part of names.split(','))
      into.add(
        part
          .trim()
          .split(/\s+as\s+/)
          .pop()
          .replace(/^type\s+/, ''),
      );
}

const packages = readdirSync(join(root, 'packages')).filter((p) =>
  existsSync(join(root, 'packages', p, 'package.json')),
);
const own = new Map();
const everyPackage = new Set();
for (const pkg of packages) {
  const dir = join(root, 'packages', pkg);
  const names = new Set();
  for (const entry of ['index', 'internal']) {
    const file = join(dir, 'dist', `${entry}.cjs`);
    if (!existsSync(file)) continue;
    namesOf(require(file), names);
    typeNamesOf(join(dir, 'dist', `${entry}.d.ts`), names);
  }
  own.set(pkg, names);
  for (const name of names) everyPackage.add(name);
}

let failed = false;
for (const pkg of packages) {
  const readme = join(root, 'packages', pkg, 'README.md');
  if (!existsSync(readme)) continue;
  const text = readFileSync(readme, 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
    const match = /^(?:new\s+)?([A-Za-z_$][\w$]*)(\(.*\))?$/.exec(span.trim());
    if (!match) continue;
    const [, name, call] = match;
    if (/^[A-Z0-9_]+$/.test(name)) continue; // a constant, a code, a signal
    if (call === undefined && !/^[A-Z]/.test(name)) continue; // a word, an option, a field
    if (own.get(pkg).has(name) || everyPackage.has(name) || name in globalThis) continue;
    if (accepted.has(name)) continue;
    failed = true;
    console.error(
      `packages/${pkg}/README.md: \`${span}\` names nothing that @multiproc/${pkg} has`,
    );
  }
}
if (failed) process.exit(1);
