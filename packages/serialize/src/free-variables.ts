/**
 * Which names does a function's source use from outside itself?
 *
 * A function sent by source is compiled again in the receiving process, where its enclosing
 * scope does not exist. We parse the source with acorn and resolve every identifier against the
 * scopes declared inside the function; what is left over is a free variable. Free variables that
 * are globals of the runtime (`Math`, `console`, `process`, …) are fine; any other one means the
 * function closes over a variable and cannot be sent by source.
 */
import { createRequire } from 'node:module';

// acorn is loaded on first use: only a process that sends a function by source needs it, and
// loading it costs ~10 ms at every child start otherwise.
const lazyRequire = createRequire(import.meta.url);
let parse: ((input: string, options: object) => unknown) | undefined;

/** The parts of an ESTree node this analysis reads. */
interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** How the source text must be wrapped to be evaluated as an expression. */
export type SourceForm = 'expression' | 'method';

/**
 * What `analyzeFunctionSource` found in a function's text.
 *
 * @example
 * ```ts
 * analyzeFunctionSource('(x) => x * factor'); // { form: 'expression', free: ['factor'], lexical: [] }
 * ```
 */
export interface FunctionSourceAnalysis {
  /** The wrapping that makes the source an expression (`method` for `f(x) { … }` shorthands). */
  form: SourceForm;
  /** Names used but not declared inside the function, in order of first use. */
  free: string[];
  /** `this`, `super`, `new.target`, `import.meta` or `arguments` taken from the enclosing scope. */
  lexical: string[];
}

/** Wraps function source so that evaluating it yields the function. */
export function wrapFunctionSource(source: string, form: SourceForm): string {
  if (form === 'expression') return `(${source})`;
  return `(() => { const d = Object.getOwnPropertyDescriptors({ ${source} }); return d[Reflect.ownKeys(d)[0]].value; })()`;
}

const parseOptions = { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: false } as const;

function parseExpression(text: string): Node | undefined {
  parse ??= (lazyRequire('acorn') as { parse: NonNullable<typeof parse> }).parse;
  try {
    const program = parse(text, parseOptions) as Node;
    const body = program['body'] as Node[];
    if (body.length !== 1 || body[0]?.type !== 'ExpressionStatement') return undefined;
    return body[0]['expression'] as Node;
  } catch {
    return undefined;
  }
}

/**
 * Parses a function's source (as `Function.prototype.toString` prints it) and reports the names
 * it takes from its surroundings. Throws a `SyntaxError` if the text is not a function.
 */
export function analyzeFunctionSource(source: string): FunctionSourceAnalysis {
  let form: SourceForm = 'expression';
  let fn = parseExpression(`(${source})`);
  if (fn && fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression')
    fn = undefined;
  if (!fn) {
    // Method shorthand (`square(x) { … }`, `async *gen() { … }`, `get x() { … }`) parses inside an
    // object literal.
    const object = parseExpression(`({ ${source} })`);
    const property = (object?.['properties'] as Node[] | undefined)?.[0];
    if (
      object?.type === 'ObjectExpression' &&
      property &&
      (object['properties'] as Node[]).length === 1
    ) {
      fn = property['value'] as Node;
      form = 'method';
    }
  }
  if (!fn) throw new SyntaxError('the source text is not a function expression');
  const analyzer = new ScopeAnalyzer();
  analyzer.analyzeRoot(fn);
  return { form, free: analyzer.free(), lexical: [...analyzer.lexical] };
}

interface Scope {
  names: Set<string>;
  parent: Scope | null;
  /** A function scope (var declarations land here); arrows are function scopes too. */
  isFunction: boolean;
  isArrow: boolean;
}

class ScopeAnalyzer {
  readonly #references: { name: string; scope: Scope }[] = [];
  readonly lexical = new Set<string>();
  #scope: Scope = { names: new Set(), parent: null, isFunction: true, isArrow: false };

  analyzeRoot(fn: Node): void {
    this.#function(fn);
  }

  free(): string[] {
    const out: string[] = [];
    for (const { name, scope } of this.#references) {
      let s: Scope | null = scope;
      while (s && !s.names.has(name)) s = s.parent;
      // The outermost scope is the place the function was defined: a name found nowhere inside
      // the function is free.
      if (!s && !out.includes(name)) out.push(name);
    }
    return out;
  }

  #push(isFunction: boolean, isArrow = false): Scope {
    this.#scope = { names: new Set(), parent: this.#scope, isFunction, isArrow };
    return this.#scope;
  }

  #pop(): void {
    this.#scope = this.#scope.parent ?? this.#scope;
  }

  #functionScope(): Scope {
    let s = this.#scope;
    while (!s.isFunction && s.parent) s = s.parent;
    return s;
  }

  /** True while every function between here and the analyzed function is an arrow. */
  #inLexicalArrow(): boolean {
    for (let s: Scope | null = this.#scope; s && s.parent; s = s.parent) {
      if (s.isFunction && !s.isArrow) return false;
    }
    return true;
  }

  #function(fn: Node): void {
    const isArrow = fn.type === 'ArrowFunctionExpression';
    this.#push(true, isArrow);
    const id = fn['id'] as Node | null;
    if (id && fn.type === 'FunctionExpression') this.#scope.names.add(id['name'] as string);
    if (!isArrow) this.#scope.names.add('arguments');
    for (const param of fn['params'] as Node[]) this.#declarePattern(param, this.#scope);
    const body = fn['body'] as Node;
    if (body.type === 'BlockStatement') this.#statements(body['body'] as Node[]);
    else this.#visit(body);
    this.#pop();
  }

  #statements(nodes: Node[]): void {
    for (const node of nodes) this.#visit(node);
  }

  /** Declares the names bound by a pattern and visits the expressions inside it. */
  #declarePattern(pattern: Node, scope: Scope): void {
    switch (pattern.type) {
      case 'Identifier':
        scope.names.add(pattern['name'] as string);
        return;
      case 'ObjectPattern':
        for (const property of pattern['properties'] as Node[]) {
          if (property.type === 'RestElement')
            this.#declarePattern(property['argument'] as Node, scope);
          else {
            if (property['computed']) this.#visit(property['key'] as Node);
            this.#declarePattern(property['value'] as Node, scope);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern['elements'] as (Node | null)[])
          if (element) this.#declarePattern(element, scope);
        return;
      case 'RestElement':
        this.#declarePattern(pattern['argument'] as Node, scope);
        return;
      case 'AssignmentPattern':
        this.#declarePattern(pattern['left'] as Node, scope);
        this.#visit(pattern['right'] as Node);
        return;
      default:
        // A member expression as an assignment target (`[a.b] = x`): its names are references.
        this.#visit(pattern);
    }
  }

  #visit(node: Node | null | undefined): void {
    if (!node) return;
    switch (node.type) {
      case 'Identifier':
        this.#references.push({ name: node['name'] as string, scope: this.#scope });
        return;
      case 'ThisExpression':
        if (this.#inLexicalArrow()) this.lexical.add('this');
        return;
      case 'Super':
        this.lexical.add('super');
        return;
      case 'MetaProperty': {
        const meta = (node['meta'] as Node)['name'] as string;
        if (meta === 'import') this.lexical.add('import.meta');
        else if (this.#inLexicalArrow()) this.lexical.add('new.target');
        return;
      }
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.#function(node);
        return;
      case 'FunctionDeclaration': {
        const name = (node['id'] as Node)['name'] as string;
        this.#scope.names.add(name);
        this.#functionScope().names.add(name);
        this.#function(node);
        return;
      }
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const id = node['id'] as Node | null;
        if (id && node.type === 'ClassDeclaration') this.#scope.names.add(id['name'] as string);
        this.#visit(node['superClass'] as Node | null);
        // Class bodies see their own name and have their own `this`.
        this.#push(true, false);
        if (id) this.#scope.names.add(id['name'] as string);
        for (const member of (node['body'] as Node)['body'] as Node[]) {
          if (member['computed']) this.#visit(member['key'] as Node);
          if (member.type === 'StaticBlock') this.#statements(member['body'] as Node[]);
          else this.#visit(member['value'] as Node | null);
        }
        this.#pop();
        return;
      }
      case 'VariableDeclaration': {
        const scope = node['kind'] === 'var' ? this.#functionScope() : this.#scope;
        for (const declarator of node['declarations'] as Node[]) {
          this.#declarePattern(declarator['id'] as Node, scope);
          this.#visit(declarator['init'] as Node | null);
        }
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock':
        this.#push(false);
        this.#statements(node['body'] as Node[]);
        this.#pop();
        return;
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'SwitchStatement':
        this.#push(false);
        this.#children(node);
        this.#pop();
        return;
      case 'CatchClause':
        this.#push(false);
        if (node['param']) this.#declarePattern(node['param'] as Node, this.#scope);
        this.#visit(node['body'] as Node);
        this.#pop();
        return;
      case 'MemberExpression':
        this.#visit(node['object'] as Node);
        if (node['computed']) this.#visit(node['property'] as Node);
        return;
      case 'Property':
      case 'PropertyDefinition':
      case 'MethodDefinition':
        if (node['computed']) this.#visit(node['key'] as Node);
        this.#visit(node['value'] as Node | null);
        return;
      case 'LabeledStatement':
        this.#visit(node['body'] as Node);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'PrivateIdentifier':
      case 'Literal':
        return;
      case 'AssignmentExpression':
        if ((node['left'] as Node).type.endsWith('Pattern'))
          this.#declarePatternAsReferences(node['left'] as Node);
        else this.#visit(node['left'] as Node);
        this.#visit(node['right'] as Node);
        return;
      default:
        this.#children(node);
    }
  }

  /** Destructuring assignment (`[a, b] = ...`): the target names are references, not declarations. */
  #declarePatternAsReferences(pattern: Node): void {
    const sink: Scope = { names: new Set(), parent: null, isFunction: false, isArrow: false };
    this.#declarePattern(pattern, sink);
    for (const name of sink.names) this.#references.push({ name, scope: this.#scope });
  }

  #children(node: Node): void {
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const child of value) if (isNode(child)) this.#visit(child);
      } else if (isNode(value)) {
        // The left side of `for (let x of …)` declares; `for (x of …)` assigns.
        this.#visit(value);
      }
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}
