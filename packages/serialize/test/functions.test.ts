import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import {
  analyzeFunctionSource,
  describeFunction,
  isTaskRef,
  resolveFunction,
  taskRef,
  type FunctionSpec,
} from '@multiproc/serialize';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fixture = require('./fixtures/exports.cjs') as { double: (x: number) => number };

const esmFixture = pathToFileURL(join(__dirname, 'fixtures', 'exports.mjs')).href;

/**
 * Runs a fixture in a fresh process, from the package's directory, and returns what it printed
 * (JSON); it must print nothing on stderr.
 */
function runFixture(name: string, nodeArgs: string[] = []): unknown {
  const result = spawnSync(process.execPath, [...nodeArgs, join(__dirname, 'fixtures', name)], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as unknown;
}

describe('describeFunction', () => {
  it("finds built-ins without loading Node's lazy globals (fetch's undici)", () => {
    expect(runFixture('lazy-globals.mjs')).toEqual({
      spec: { kind: 'global', path: 'Math.max' },
      lazy: true,
    });
  });

  it('leaves the Debugger domain off after locating functions, and finds modules loaded since', () => {
    expect(runFixture('debugger-off.mjs')).toEqual({
      first: 'square',
      later: 'twice',
      debuggerOff: true,
    });
  });

  it('finds the module of a CommonJS function without the Debugger domain, past a module that re-exports it', () => {
    const cjsModule = pathToFileURL(join(__dirname, 'fixtures', 'exports.cjs')).href;
    expect(runFixture('cjs-no-debugger.mjs')).toEqual({
      cjs: [
        { kind: 'ref', module: cjsModule, name: 'double' },
        { kind: 'ref', module: cjsModule, name: 'Point' },
      ],
      cjsEnabledDebugger: false,
      esm: { kind: 'ref', module: esmFixture, name: 'square' },
      esmEnabledDebugger: true,
    });
  });

  it('in a module still in its top-level await, checks the export statements before sending by name', () => {
    expect(runFixture('tla-main.mjs')).toEqual({
      // The export statements and the function's position in its module decide: no guess.
      scale: { kind: 'ref', name: 'scale', guessed: false },
      hidden: {
        error:
          'TypeError: target (function hidden) is not exported from its module and uses the variable factor from its enclosing scope, so it cannot be sent by source. Export it from its module (it is then sent by reference), or pass factor as an argument.',
      },
      // Exported under another name, which its position in the module's source tells.
      renamed: { kind: 'ref', name: 'alias', guessed: false },
    });
  });

  it("under tsx, finds the export of a .ts module by the function's position in its source", () => {
    expect(runFixture('tsx-main.ts', ['--import', 'tsx'])).toEqual({
      square: 'ref square',
      cube: 'ref cube',
      renamed: 'ref renamed',
      replaceable: 'source',
      default: 'ref default',
      Shape: 'ref Shape',
      // Named like the export `square`, but defined inside makeSquare: not sent as that export.
      nested: 'source',
    });
  });

  it('sends an exported CommonJS function by reference', () => {
    const spec = describeFunction(fixture.double);
    expect(spec).toEqual({
      kind: 'ref',
      module: pathToFileURL(join(__dirname, 'fixtures', 'exports.cjs')).href,
      name: 'double',
    });
  });

  it('sends built-in functions by their global path', () => {
    expect(describeFunction(Math.sqrt)).toEqual({ kind: 'global', path: 'Math.sqrt' });
    expect(describeFunction(JSON.stringify)).toEqual({ kind: 'global', path: 'JSON.stringify' });
  });

  it('sends a self-contained function by source', () => {
    const spec = describeFunction((x: number) => Math.max(x, 0) * 2);
    expect(spec.kind).toBe('source');
    expect((spec as Extract<FunctionSpec, { kind: 'source' }>).source).toContain('Math.max');
  });

  it('refuses a closure and names the captured variable', () => {
    const factor = 3;
    expect(() => describeFunction((x: number) => x * factor, 'fn')).toThrow(
      /^fn is not exported from its module and uses the variable factor from its enclosing scope, so it cannot be sent by source\. Export it from its module \(it is then sent by reference\), or pass factor as an argument\.$/,
    );
  });

  it('refuses bound functions and non-functions with clear messages', () => {
    expect(() => describeFunction(fixture.double.bind(null))).toThrow(
      'target (function bound double) is a bound or built-in function and cannot be sent',
    );
    expect(() => describeFunction(5, 'target')).toThrow(
      'target must be a function or a taskRef(), got number 5',
    );
    expect(() => describeFunction(undefined, 'fn')).toThrow(
      'fn must be a function or a taskRef(), got undefined',
    );
  });

  it('accepts taskRef() and resolves paths and URLs', () => {
    const ref = taskRef(join(__dirname, 'fixtures', 'exports.mjs'), 'square');
    expect(isTaskRef(ref)).toBe(true);
    expect(ref.module).toBe(esmFixture);
    expect(describeFunction(ref)).toEqual({ kind: 'ref', module: esmFixture, name: 'square' });
    expect(taskRef(new URL(esmFixture), 'cube').module).toBe(esmFixture);
    expect(() => taskRef(esmFixture, '')).toThrow('taskRef name must be a non-empty string');
  });
});

describe('resolveFunction', () => {
  it('compiles a source function once and reuses it', async () => {
    const spec = describeFunction((a: number, b: number) => a ** b);
    const first = await resolveFunction(spec);
    const second = await resolveFunction(spec);
    expect(first(2, 10)).toBe(1024);
    expect(second).toBe(first);
  });

  it('gives source functions a working require()', async () => {
    const fn = await resolveFunction({
      kind: 'source',
      source: "(p) => require('node:path').basename(p)",
      form: 'expression',
      name: '',
    });
    expect(fn('/a/b/c.txt')).toBe('c.txt');
  });

  it('imports ES module exports (named, renamed, default) in a real process, or says what is missing', () => {
    const ref = (name: string): FunctionSpec => ({ kind: 'ref', module: esmFixture, name });
    const calls = [
      { spec: ref('square'), args: [7] },
      { spec: ref('renamed'), args: [7] },
      { spec: ref('default'), args: [] },
      { spec: ref('nope'), args: [] },
    ];
    const driver = join(__dirname, 'fixtures', 'resolve-driver.mjs');
    const result = spawnSync(process.execPath, [driver, JSON.stringify(calls)], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { ok: 49 },
      { ok: 8 },
      { ok: 'default' },
      { error: `TypeError: module ${esmFixture} does not export "nope"` },
    ]);
  });
});

describe('analyzeFunctionSource', () => {
  const free = (fn: string): string[] =>
    analyzeFunctionSource(fn).free.filter((n) => !(n in globalThis));
  it.each([
    ['(x) => x + y', ['y']],
    ['function f(a, { b, c: [d] } = {}, ...rest) { return a + b + d + rest.length + f.name }', []],
    ['(x) => { const { a = z } = x; let q; for (const k of x) q = k; return [a, q]; }', ['z']],
    ['(x) => { try { return x() } catch (err) { return err } }', []],
    ['(x) => { class A { m() { return this.v + w } }; return new A() }', ['w']],
    ['(x) => ({ k: x, [dyn]: 1, short })', ['dyn', 'short']],
    ['(x) => x.a.b.c + obj.prop', ['obj']],
    ['function g() { return typeof h === "function" ? h() : 0; function h() { return 1 } }', []],
    ['(x) => { label: for (;;) { break label } return x }', []],
    ['(x) => { var v = 1; { let w = 2; v += w } return v + w2 }', ['w2']],
    ['async function* gen(n) { for await (const v of n) yield v }', []],
    ['square(x) { return x * x }', []],
    ['(x) => { [a, b] = x; return a }', ['a', 'b']],
  ])('%s uses %j from outside', (source, expected) => {
    expect(free(source)).toEqual(expected);
  });

  it('reports this and arguments taken by an arrow', () => {
    expect(analyzeFunctionSource('() => this.x').lexical).toEqual(['this']);
    expect(analyzeFunctionSource('function f() { return this.x }').lexical).toEqual([]);
    expect(analyzeFunctionSource('() => arguments[0]').free).toContain('arguments');
    expect(analyzeFunctionSource('function f() { return () => arguments[0] }').free).toEqual([]);
  });

  it('rejects text that is not a function', () => {
    expect(() => analyzeFunctionSource('class X {}')).toThrow(SyntaxError);
    expect(() => analyzeFunctionSource('1 +')).toThrow(SyntaxError);
  });
});
