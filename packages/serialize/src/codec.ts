/**
 * The sending half of the codec: msgpackr plus multiproc's extension types.
 *
 * Every message is checked before a byte is produced (`args[1].handler is a function and cannot
 * be sent`), then packed. Beyond plain data, msgpackr's own extensions carry `undefined`, BigInt,
 * Map, Set, Date, RegExp, typed arrays, Buffer and ArrayBuffer; ours carry errors (with class,
 * code, cause and remote stack), shareable handles (locks, queues, connections …), instances of
 * exported classes, and `-0`. Cyclic values switch the message to msgpackr's structured-clone mode.
 * The receiving half is `decode.ts`.
 */
import { types } from 'node:util';
import { Packr, RESERVE_START_SPACE, addExtension } from 'msgpackr';
import { errorClasses } from './errors.js';
import {
  Ext,
  builtinErrors,
  kMapsAsMaps,
  packrOptions,
  readers,
  typedArrayNames,
  type WireError,
} from './decode.js';
import { locateFunction } from './locate.js';
import {
  unsendableReason,
  onShareableRegistered,
  shareableTypeOf,
  type EncodeContext,
  type ShareableType,
  type TransferableHandle,
} from './registry.js';
import { sharedState } from './shared-state.js';

/**
 * Writes plain objects as msgpack maps: the usual form. msgpackr's default, records, carries
 * each object's keys once per message when no structures are shared ahead (and the two ends of
 * a connection cannot share them safely: several readers, reconnects), and the reader learns
 * them anew every time: measured 3-4x the cost of a map for `{ i, op: 'ping' }`.
 */
const objectsPackr = new Packr({ ...packrOptions, useRecords: false, variableMapSize: true });
/**
 * msgpackr writes a Map as a msgpack map too, before any extension can claim it, so a value
 * holding one keeps records for its objects and goes in the form marked `kMapsAsMaps`.
 */
const packr = new Packr(packrOptions);
const clonePackr = new Packr({ ...packrOptions, structuredClone: true });

// ---------------------------------------------------------------------------------------------
// Encode / decode contexts

class DefaultEncodeContext implements EncodeContext {
  readonly destination = 'any' as const;
  transfer(handle: TransferableHandle): number {
    throw new TypeError(
      `a ${handle.kind === 'socket' ? 'socket' : 'file descriptor'} cannot travel this way: ` +
        `pass it as an argument of a Process or a pool task, where handles go to the child at start`,
    );
  }
}

let activeEncode: EncodeContext = new DefaultEncodeContext();

// ---------------------------------------------------------------------------------------------
// Errors

const kErrorBrand = Symbol.for('multiproc.errorBrand');

function isError(value: object): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** A value that is safe to put in an error's wire form, or `undefined` to drop it. */
function sendableOrUndefined(value: unknown): { ok: boolean } {
  try {
    new Walker().check(value);
    return { ok: true };
  } catch {
    return { ok: false };
  }
}

function errorToWire(error: Error): WireError {
  const ctor = error.constructor as { name?: string } | undefined;
  const brand = (Object.getPrototypeOf(error) as Record<symbol, unknown> | null)?.[kErrorBrand];
  let kind: WireError['k'] = 'o';
  // A subclass that does not set `name` still reads 'Error': its class name says more.
  let name =
    typeof error.name === 'string' && error.name !== 'Error' ? error.name : ctor?.name || 'Error';
  if (typeof brand === 'string' && errorClasses.has(brand) && brand !== 'RemoteError') {
    kind = 'm';
    name = brand;
  } else if (ctor && builtinErrors.get(ctor.name ?? '') === ctor) {
    kind = 'b';
    name = ctor.name as string;
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (sendableOrUndefined(value).ok) props[key] = value;
  }
  const wire: WireError = { n: name, k: kind, m: String(error.message), s: error.stack, p: props };
  if (kind === 'o' && typeof ctor === 'function' && ctor !== Error) {
    // A class its module exports is rebuilt as itself, so `instanceof` works across processes.
    const location = locateFunction(ctor);
    if (location?.exportName) {
      wire.u = location.url;
      wire.x = location.exportName;
    }
  }
  if (Object.prototype.hasOwnProperty.call(error, 'cause')) {
    const cause = (error as { cause?: unknown }).cause;
    if (sendableOrUndefined(cause).ok) wire.c = cause;
  }
  if (error instanceof AggregateError)
    wire.e = error.errors.filter((e) => sendableOrUndefined(e).ok);
  return wire;
}

// ---------------------------------------------------------------------------------------------
// Extension writers. Each carries its reader too: msgpackr keeps one reader per type code, and a
// writer's registration replaces it.

class NegativeZero {}
const negativeZero = new NegativeZero();

function registerExtensions(): void {
  addExtension({
    Class: NegativeZero,
    type: Ext.NegativeZero,
    write: () => 0,
    read: readers[Ext.NegativeZero],
  });
  addExtension({
    Class: Error,
    type: Ext.Error,
    write: (error: Error) => errorToWire(error),
    read: readers[Ext.Error],
  });
  // Typed arrays of another realm than msgpackr's own (test runners such as Jest copy some
  // globals, like Uint8Array, from the outer realm and not others) fail msgpackr's `instanceof`
  // check and would be packed as plain objects: give each such class a writer of its own.
  const TypedArray = Object.getPrototypeOf(Uint8Array) as abstract new () => object;
  for (const name of typedArrayNames) {
    const Typed = (
      globalThis as unknown as Record<string, (new () => ArrayBufferView) | undefined>
    )[name];
    if (!Typed || Typed.prototype instanceof TypedArray) continue;
    addExtension({
      Class: Typed,
      type: Ext.ForeignTypedArray,
      write: (view: ArrayBufferView) => [
        name,
        new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
      ],
      read: readers[Ext.ForeignTypedArray],
    });
  }
  onShareableRegistered((type) => {
    addExtension({
      Class: type.Class,
      type: Ext.Handle,
      write: (value: object) => [type.name, type.module, type.toHandle(value, activeEncode)],
      read: readers[Ext.Handle],
    });
  });
}

interface ExtensionState {
  /** msgpackr instances (one per loaded build) that already have our extensions. */
  packrs: WeakSet<object>;
}
const extensionState = sharedState<ExtensionState>('msgpackrExtensions', () => ({
  packrs: new WeakSet(),
}));
if (!extensionState.packrs.has(addExtension)) {
  extensionState.packrs.add(addExtension);
  registerExtensions();
}

/** Classes of exported-class instances that already have an extension writer. */
const instanceClasses = new WeakSet<object>();

function registerInstanceClass(Class: new () => object, url: string, exportName: string): void {
  if (instanceClasses.has(Class)) return;
  instanceClasses.add(Class);
  addExtension({
    Class,
    type: Ext.Instance,
    write: (value: object) => [url, exportName, { ...value }],
    read: readers[Ext.Instance],
  });
}

// ---------------------------------------------------------------------------------------------
// The check that runs before anything is sent

const enum Found {
  NegativeZero = 1,
  Cycle = 2,
  /**
   * A Map, or a value whose extension writes data the walk does not see (an error, a handle),
   * which may hold a Map: the message keeps the form where maps read back as Maps.
   */
  Map = 4,
}

const plainPrototypes = new Set<object | null>([Object.prototype, null]);

/**
 * Ancestors up to this depth are kept in an array, deeper ones in a Set too. Most messages are
 * shallow, and a Set costs them its allocation and an identity hash stored on every object it
 * sees; deep chains still find cycles in constant time per level.
 */
const kShallowDepth = 16;

/** Walks a value, refusing what cannot be sent, and notes what needs a slower encoding. */
class Walker {
  readonly #path: (string | number)[] = [];
  readonly #shallow: object[] = [];
  #deep: Set<object> | undefined;
  found = 0;

  constructor(readonly root = 'value') {}

  check(value: unknown): void {
    this.#visit(value);
  }

  #where(): string {
    let out = this.root;
    for (const key of this.#path) {
      out +=
        typeof key === 'number'
          ? `[${key}]`
          : /^[A-Za-z_$][\w$]*$/.test(key)
            ? `.${key}`
            : `[${JSON.stringify(key)}]`;
    }
    return out;
  }

  #refuse(what: string, detail = ''): never {
    throw new TypeError(
      `${this.#where()} ${what} and cannot be sent${detail ? `: ${detail}` : ''}`,
    );
  }

  #visit(value: unknown): void {
    switch (typeof value) {
      case 'number':
        if (value === 0 && 1 / value < 0) this.found |= Found.NegativeZero;
        return;
      case 'string':
      case 'boolean':
      case 'undefined':
      case 'bigint':
        return;
      case 'symbol':
        this.#refuse('is a symbol');
        break;
      case 'function':
        this.#refuse(
          'is a function',
          `functions${value.name ? ` (here ${value.name})` : ''} travel only as targets or tasks, not inside arguments`,
        );
        break;
      case 'object':
        if (value !== null) this.#object(value);
    }
  }

  #enter(value: object): boolean {
    const shallow = this.#shallow;
    if (shallow.includes(value) || this.#deep?.has(value)) {
      this.found |= Found.Cycle;
      return false;
    }
    if (shallow.length < kShallowDepth) shallow.push(value);
    else (this.#deep ??= new Set()).add(value);
    return true;
  }

  /** Leaves the most recently entered object: the deep set holds the newest while not empty. */
  #leave(value: object): void {
    if (this.#deep?.size) this.#deep.delete(value);
    else this.#shallow.pop();
  }

  #object(value: object): void {
    if (Array.isArray(value)) {
      if (!this.#enter(value)) return;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (
          typeof item === 'object' ||
          typeof item === 'function' ||
          typeof item === 'symbol' ||
          item === 0
        ) {
          this.#path.push(i);
          this.#visit(item);
          this.#path.pop();
        }
      }
      this.#leave(value);
      return;
    }
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Object.prototype || proto === null) {
      this.#properties(value);
      return;
    }
    if (value instanceof Map) {
      this.found |= Found.Map;
      if (!this.#enter(value)) return;
      let i = 0;
      for (const [k, v] of value) {
        this.#path.push(`<key ${i}>`);
        this.#visit(k);
        this.#path.pop();
        this.#path.push(typeof k === 'string' || typeof k === 'number' ? k : `<value ${i}>`);
        this.#visit(v);
        this.#path.pop();
        i++;
      }
      this.#leave(value);
      return;
    }
    if (value instanceof Set) {
      if (!this.#enter(value)) return;
      let i = 0;
      for (const v of value) {
        this.#path.push(`<item ${i++}>`);
        this.#visit(v);
        this.#path.pop();
      }
      this.#leave(value);
      return;
    }
    if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer) return;
    if (ArrayBuffer.isView(value)) {
      if (value.buffer instanceof SharedArrayBuffer && !shareableTypeOf(value)) {
        this.#refuse(
          'is a view of a SharedArrayBuffer, whose memory another process cannot see',
          'allocate it with SharedMemory, Value or SharedArray instead',
        );
      }
      return;
    }
    if (isError(value) || shareableTypeOf(value)) {
      this.found |= Found.Map;
      return;
    }
    const unsendable = unsendableReason(value);
    if (unsendable) this.#refuse(unsendable.what, unsendable.fix);
    if (value instanceof SharedArrayBuffer) {
      this.#refuse(
        'is a SharedArrayBuffer, whose memory another process cannot see',
        'allocate it with SharedMemory, Value or SharedArray instead',
      );
    }
    if (value instanceof Promise) this.#refuse('is a Promise', 'await it and send the value');
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      this.#refuse(`is a boxed ${value.constructor.name}`, 'send the primitive value');
    }
    if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
      this.#refuse(`is a ${value.constructor.name}`);
    }
    this.#instance(value, proto);
  }

  #properties(value: object): void {
    if (!this.#enter(value)) return;
    for (const key of Object.keys(value)) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (
        typeof item === 'object' ||
        typeof item === 'function' ||
        typeof item === 'symbol' ||
        item === 0
      ) {
        this.#path.push(key);
        this.#visit(item);
        this.#path.pop();
      }
    }
    this.#leave(value);
  }

  #instance(value: object, proto: object | null): void {
    const Class = (proto as { constructor?: unknown } | null)?.constructor;
    const className = typeof Class === 'function' && Class.name ? Class.name : 'an anonymous class';
    if (typeof Class !== 'function') this.#refuse('is an object with an unusual prototype');
    const location = locateFunction(Class);
    if (!location) {
      this.#refuse(
        `is a ${className} instance`,
        'it belongs to this process alone; send plain data (objects, arrays, Maps …) or a multiproc shareable object',
      );
    }
    if (!location.exportName) {
      this.#refuse(
        `is an instance of class ${className}`,
        `its module does not export ${className}; export the class so the receiver can rebuild it, or send a plain object`,
      );
    }
    registerInstanceClass(Class as new () => object, location.url, location.exportName);
    this.#properties(value);
  }
}

/** Replaces every `-0` with a marker the codec writes as an extension (rare; copies containers). */
function withNegativeZeros(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value === 'number') return value === 0 && 1 / value < 0 ? negativeZero : value;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(withNegativeZeros(value[i], seen));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(withNegativeZeros(k, seen), withNegativeZeros(v, seen));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(withNegativeZeros(v, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (
    plainPrototypes.has(proto) ||
    (instanceClasses.has((proto as { constructor: object }).constructor) && !isError(value))
  ) {
    const out = Object.create(proto) as Record<string, unknown>;
    seen.set(value, out);
    for (const key of Object.keys(value))
      out[key] = withNegativeZeros((value as Record<string, unknown>)[key], seen);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/** Options of `encode`. */
export interface EncodeOptions {
  /** How messages name the value (`args`, `items[3]`); default `value`. */
  path?: string;
  /** Where the message goes and how OS handles travel beside it. */
  context?: EncodeContext;
}

/**
 * Checks that `value` can be sent, then encodes it. Throws a `TypeError` naming the path to the
 * first value that cannot be sent (`args[1].handler is a function and cannot be sent; …`).
 *
 * @example
 * ```ts
 * const bytes = encode({ when: new Date(), tags: new Set(['a']) });
 * decode(bytes); // → { when: Date, tags: Set { 'a' } }
 * ```
 */
export function encode(value: unknown, options: EncodeOptions = {}): Buffer {
  const walker = new Walker(options.path);
  walker.check(value);
  const previous = activeEncode;
  activeEncode = options.context ?? previous;
  try {
    const found = walker.found;
    const target = found & Found.NegativeZero ? withNegativeZeros(value) : value;
    if (!(found & Found.Map)) return (found & Found.Cycle ? clonePackr : objectsPackr).pack(target);
    const bytes = (found & Found.Cycle ? clonePackr : packr).pack(target, RESERVE_START_SPACE | 1);
    bytes[0] = kMapsAsMaps;
    return bytes;
  } finally {
    activeEncode = previous;
  }
}

/**
 * Encodes a value already known to hold only plain data, skipping the check. For hot paths that
 * built the value themselves (protocol envelopes). The value holds no Map, not even inside an
 * error or a handle's data: it would arrive as a plain object.
 */
export function encodeTrusted(value: unknown): Buffer {
  return packr.pack(value);
}

/**
 * Checks that a value can be sent without encoding it. Throws the same `TypeError` `encode` would.
 */
export function assertSendable(value: unknown, path = 'value'): void {
  new Walker(path).check(value);
}

export type { ShareableType };
