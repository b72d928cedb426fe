/**
 * The data referents a `SyncManager` serves: `dict`, `list`, `set`, `Namespace`, `Value` and
 * `Array`. They live in the server process; every public method is what a proxy calls.
 */
import { isDeepStrictEqual } from 'node:util';
import { describeValue, invalidArgument } from '@multiproc/serialize';
import { releaseDropped } from './proxy.js';
import { kReferentClose } from './referent-hooks.js';

/** Python-style index: negative counts from the end; out of range throws. */
function at(length: number, index: unknown, what: string): number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index)) {
    throw invalidArgument(`${what} index`, 'an integer', index);
  }
  const i = index < 0 ? length + index : index;
  if (i < 0 || i >= length)
    throw new RangeError(`${what} index ${index} out of range (length ${length})`);
  return i;
}

function entriesOf(init: unknown, path: string): Iterable<[unknown, unknown]> {
  if (init === undefined || init === null) return [];
  if (init instanceof Map) return init;
  if (typeof init === 'object' && Symbol.iterator in init) {
    const out: [unknown, unknown][] = [];
    let i = 0;
    for (const entry of init as Iterable<unknown>) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw invalidArgument(`${path}[${i}]`, 'a [key, value] pair', entry);
      }
      out.push([entry[0], entry[1]]);
      i++;
    }
    return out;
  }
  if (typeof init === 'object') return Object.entries(init);
  throw invalidArgument(path, 'a Map, an iterable of [key, value] pairs or a plain object', init);
}

/** A `dict`: a `Map` whose keys are any sendable primitives (`1`, `'1'`, `0.5` differ). */
export class DictReferent {
  readonly #map = new Map<unknown, unknown>();

  constructor(init?: unknown) {
    for (const [k, v] of entriesOf(init, 'dict(init)')) this.#map.set(k, v);
  }
  get(key: unknown, fallback?: unknown): unknown {
    return this.#map.has(key) ? this.#map.get(key) : fallback;
  }
  set(key: unknown, value: unknown): void {
    releaseDropped(this.#map.get(key));
    this.#map.set(key, value);
  }
  has(key: unknown): boolean {
    return this.#map.has(key);
  }
  delete(key: unknown): boolean {
    releaseDropped(this.#map.get(key));
    return this.#map.delete(key);
  }
  keys(): unknown[] {
    return [...this.#map.keys()];
  }
  values(): unknown[] {
    return [...this.#map.values()];
  }
  entries(): [unknown, unknown][] {
    return [...this.#map.entries()];
  }
  size(): number {
    return this.#map.size;
  }
  clear(): void {
    releaseDropped(this.#map);
    this.#map.clear();
  }
  update(other: unknown): void {
    for (const [k, v] of entriesOf(other, 'update(other)')) this.set(k, v);
  }
  pop(key: unknown, ...fallback: unknown[]): unknown {
    if (this.#map.has(key)) {
      const value = this.#map.get(key);
      this.#map.delete(key);
      releaseDropped(value);
      return value;
    }
    if (fallback.length > 0) return fallback[0];
    throw new RangeError(`dict has no key ${describeValue(key)}`);
  }
  setdefault(key: unknown, fallback?: unknown): unknown {
    if (!this.#map.has(key)) this.#map.set(key, fallback);
    return this.#map.get(key);
  }
  copy(): Map<unknown, unknown> {
    return new Map(this.#map);
  }
  [kReferentClose](): void {
    releaseDropped(this.#map);
  }
}

function compare(a: unknown, b: unknown): number {
  if (
    typeof a !== typeof b ||
    (typeof a !== 'number' && typeof a !== 'string' && typeof a !== 'bigint')
  ) {
    throw new TypeError(
      `sort() compares numbers, bigints or strings of one kind, got ${describeValue(a)} and ${describeValue(b)}`,
    );
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** A `list`: an array with Python's list methods. */
export class ListReferent {
  readonly #items: unknown[];

  constructor(init?: unknown) {
    if (init === undefined || init === null) this.#items = [];
    else if (typeof init === 'object' && Symbol.iterator in init)
      this.#items = [...(init as Iterable<unknown>)];
    else throw invalidArgument('list(init)', 'an iterable', init);
  }
  get(index: number): unknown {
    return this.#items[at(this.#items.length, index, 'list')];
  }
  set(index: number, value: unknown): void {
    const i = at(this.#items.length, index, 'list');
    releaseDropped(this.#items[i]);
    this.#items[i] = value;
  }
  append(value: unknown): void {
    this.#items.push(value);
  }
  extend(values: unknown): void {
    if (typeof values !== 'object' || values === null || !(Symbol.iterator in values)) {
      throw invalidArgument('extend(values)', 'an iterable', values);
    }
    for (const v of values as Iterable<unknown>) this.#items.push(v);
  }
  insert(index: number, value: unknown): void {
    if (typeof index !== 'number' || !Number.isSafeInteger(index)) {
      throw invalidArgument('insert(index)', 'an integer', index);
    }
    const n = this.#items.length;
    const i = index < 0 ? Math.max(0, n + index) : Math.min(n, index);
    this.#items.splice(i, 0, value);
  }
  pop(index = -1): unknown {
    if (this.#items.length === 0) throw new RangeError('pop from an empty list');
    const value = this.#items.splice(at(this.#items.length, index, 'list'), 1)[0];
    releaseDropped(value);
    return value;
  }
  remove(value: unknown): void {
    const i = this.#items.findIndex((v) => isDeepStrictEqual(v, value));
    if (i < 0) throw new RangeError(`list.remove(x): ${describeValue(value)} is not in the list`);
    releaseDropped(this.#items.splice(i, 1)[0]);
  }
  index(value: unknown, start = 0, end = this.#items.length): number {
    for (let i = Math.max(0, start); i < Math.min(end, this.#items.length); i++) {
      if (isDeepStrictEqual(this.#items[i], value)) return i;
    }
    throw new RangeError(`${describeValue(value)} is not in the list`);
  }
  count(value: unknown): number {
    return this.#items.filter((v) => isDeepStrictEqual(v, value)).length;
  }
  reverse(): void {
    this.#items.reverse();
  }
  sort(options: { reverse?: boolean } = {}): void {
    this.#items.sort(compare);
    if (options.reverse) this.#items.reverse();
  }
  length(): number {
    return this.#items.length;
  }
  slice(start?: number, end?: number): unknown[] {
    return this.#items.slice(start, end);
  }
  copy(): unknown[] {
    return [...this.#items];
  }
  [kReferentClose](): void {
    releaseDropped(this.#items);
  }
}

/** A `set`. */
export class SetReferent {
  readonly #set: Set<unknown>;

  constructor(init?: unknown) {
    if (init === undefined || init === null) this.#set = new Set();
    else if (typeof init === 'object' && Symbol.iterator in init)
      this.#set = new Set(init as Iterable<unknown>);
    else throw invalidArgument('set(init)', 'an iterable', init);
  }
  add(value: unknown): void {
    this.#set.add(value);
  }
  delete(value: unknown): boolean {
    return this.#set.delete(value);
  }
  has(value: unknown): boolean {
    return this.#set.has(value);
  }
  size(): number {
    return this.#set.size;
  }
  clear(): void {
    releaseDropped(this.#set);
    this.#set.clear();
  }
  values(): unknown[] {
    return [...this.#set];
  }
  copy(): Set<unknown> {
    return new Set(this.#set);
  }
  [kReferentClose](): void {
    releaseDropped(this.#set);
  }
}

/** A `Namespace`: named attributes. */
export class NamespaceReferent {
  readonly #fields = new Map<string, unknown>();

  constructor(init?: unknown) {
    if (init !== undefined && init !== null) {
      for (const [k, v] of entriesOf(init, 'Namespace(init)')) this.#fields.set(String(k), v);
    }
  }
  get(name: string): unknown {
    if (!this.#fields.has(name)) throw new RangeError(`Namespace has no attribute '${name}'`);
    return this.#fields.get(name);
  }
  set(name: string, value: unknown): void {
    if (typeof name !== 'string') throw invalidArgument('Namespace name', 'a string', name);
    releaseDropped(this.#fields.get(name));
    this.#fields.set(name, value);
  }
  has(name: string): boolean {
    return this.#fields.has(name);
  }
  delete(name: string): void {
    const value = this.#fields.get(name);
    if (!this.#fields.delete(name)) throw new RangeError(`Namespace has no attribute '${name}'`);
    releaseDropped(value);
  }
  copy(): Record<string, unknown> {
    return Object.fromEntries(this.#fields);
  }
  [kReferentClose](): void {
    releaseDropped(this.#fields);
  }
}

type TypedArrayCtor = new (length: number) => { [i: number]: number | bigint; length: number };
const typecodes: Record<string, TypedArrayCtor> = {
  b: Int8Array,
  B: Uint8Array,
  c: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
};

function storage(typecode: unknown, length: number, what: string) {
  const Ctor = typeof typecode === 'string' ? typecodes[typecode] : undefined;
  if (!Ctor) {
    throw invalidArgument(
      `${what} typecode`,
      `one of ${Object.keys(typecodes).join(' ')}`,
      typecode,
    );
  }
  return { view: new Ctor(length), char: typecode === 'c' };
}

function store(
  view: { [i: number]: number | bigint },
  i: number,
  value: unknown,
  char: boolean,
  what: string,
) {
  if (char) {
    if (typeof value !== 'string' || value.length !== 1)
      throw invalidArgument(what, 'a one-character string', value);
    view[i] = value.charCodeAt(0);
    return;
  }
  const isBig = typeof view[i] === 'bigint';
  if (isBig ? typeof value !== 'bigint' : typeof value !== 'number') {
    throw invalidArgument(what, isBig ? 'a bigint' : 'a number', value);
  }
  view[i] = value as number;
}

function load(view: { [i: number]: number | bigint }, i: number, char: boolean): unknown {
  return char ? String.fromCharCode(view[i] as number) : view[i];
}

/** A `Value`: one typed number (or one-byte character), as in Python's `array` typecodes. */
export class ValueReferent {
  readonly #slot;

  constructor(typecode: unknown, initial: unknown = typecode === 'c' ? '\0' : 0) {
    this.#slot = storage(typecode, 1, 'Value');
    if (typeof this.#slot.view[0] === 'bigint' && typeof initial === 'number')
      initial = BigInt(initial);
    store(this.#slot.view, 0, initial, this.#slot.char, 'Value initial');
  }
  get(): unknown {
    return load(this.#slot.view, 0, this.#slot.char);
  }
  set(value: unknown): void {
    store(this.#slot.view, 0, value, this.#slot.char, 'Value');
  }
}

/** An `Array`: a fixed-length typed sequence. */
export class ArrayReferent {
  readonly #slot;

  constructor(typecode: unknown, sizeOrSequence: unknown) {
    const sequence =
      typeof sizeOrSequence === 'number' ? undefined : (sizeOrSequence as Iterable<unknown>);
    const initial = sequence ? [...sequence] : [];
    const length = sequence ? initial.length : (sizeOrSequence as number);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw invalidArgument(
        'Array sizeOrSequence',
        'a non-negative integer or a sequence',
        sizeOrSequence,
      );
    }
    this.#slot = storage(typecode, length, 'Array');
    initial.forEach((v, i) =>
      store(this.#slot.view, i, v, this.#slot.char, `Array sequence[${i}]`),
    );
  }
  get(index: number): unknown {
    return load(this.#slot.view, at(this.#slot.view.length, index, 'Array'), this.#slot.char);
  }
  set(index: number, value: unknown): void {
    store(
      this.#slot.view,
      at(this.#slot.view.length, index, 'Array'),
      value,
      this.#slot.char,
      `Array[${index}]`,
    );
  }
  length(): number {
    return this.#slot.view.length;
  }
  slice(start?: number, end?: number): unknown[] {
    return this.copy().slice(start, end);
  }
  copy(): unknown[] {
    return Array.from({ length: this.#slot.view.length }, (_, i) =>
      load(this.#slot.view, i, this.#slot.char),
    );
  }
}
