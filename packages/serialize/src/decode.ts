/**
 * The receiving half of the codec: msgpackr's unpacker with multiproc's extension readers.
 *
 * It is also built as its own small entry (`@multiproc/serialize/decode`) so that a child
 * process can read its start message without loading the encoder (measured: each 100 KB of
 * bundled JavaScript costs a child ~4 ms to compile at start).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Unpackr, addExtension } from 'msgpackr/unpack';
import { RemoteError, errorClasses } from './errors.js';
import { isImportedLoaderModule, isLoadedModule } from './locate.js';
import { shareableTypeByName, type DecodeContext } from './registry.js';
import { sharedState } from './shared-state.js';
import { NeedsImportError } from './wire-errors.js';

const nodeRequire = createRequire(import.meta.url);

/** Extension type codes (msgpackr itself uses 0x00-0x11 and a few letters; these are free). */
export const enum Ext {
  Error = 0x30,
  Handle = 0x31,
  Instance = 0x32,
  NegativeZero = 0x33,
  ForeignTypedArray = 0x34,
}

/** The typed array classes, by name. */
export const typedArrayNames: ReadonlySet<string> = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

/** msgpackr options shared by both halves; the encoder must use the same ones. */
export const packrOptions = { moreTypes: true, useBigIntExtension: true } as const;

/**
 * First byte of a message whose msgpack maps are Maps and whose plain objects are msgpackr
 * records: `encode` writes this form for a value that holds a Map, an error or a handle (see
 * `codec.ts`). msgpack never uses 0xc1, so no message of the usual form starts with it.
 */
export const kMapsAsMaps = 0xc1;
const afterMarker = { start: 1 } as const;
const mapsUnpackr = new Unpackr({ ...packrOptions, structuredClone: true });
/** Reads the usual form, where plain objects travel as msgpack maps. */
const objectsUnpackr = new Unpackr({ ...packrOptions, structuredClone: true, mapsAsObjects: true });

function unpack(bytes: Uint8Array): unknown {
  return bytes[0] === kMapsAsMaps
    ? mapsUnpackr.unpack(bytes, afterMarker)
    : objectsUnpackr.unpack(bytes);
}

let activeDecode: DecodeContext = { handles: [] };

// ---------------------------------------------------------------------------------------------
// Modules a receiver must load to rebuild a value

interface LoadedModules {
  byUrl: Map<string, Record<string, unknown>>;
}
const loaded = sharedState<LoadedModules>('loadedModules', () => ({ byUrl: new Map() }));

/** Thrown while decoding when an ES module must be imported first (it cannot be required). */
class NeedsImport extends Error {
  constructor(readonly url: string) {
    super(`module ${url} must be imported before this value can be decoded`);
  }
}

function moduleSync(url: string): Record<string, unknown> {
  let exports = loaded.byUrl.get(url);
  if (exports) return exports;
  if (isImportedLoaderModule(url)) throw new NeedsImport(url);
  try {
    exports = nodeRequire(url.startsWith('file:') ? fileURLToPath(url) : url) as Record<
      string,
      unknown
    >;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE')
      throw new NeedsImport(url);
    throw error;
  }
  loaded.byUrl.set(url, exports);
  return exports;
}

/**
 * The exports of a module a message names. From an untrusted peer only a module that already ran
 * here is read: loading one would run its top-level code on a stranger's say-so.
 */
function namedModule(url: string): Record<string, unknown> {
  if (activeDecode.untrusted && !loaded.byUrl.has(url) && !isLoadedModule(url, true)) {
    throw new TypeError(
      `a message from a socket peer names module ${url}, which this process has not loaded; ` +
        'values from sockets are rebuilt only from types registered here and classes of modules already loaded',
    );
  }
  return moduleSync(url);
}

function exportOf(url: string, name: string): unknown {
  const exports = namedModule(url);
  if (name === 'default' && !('default' in exports)) return exports;
  return exports[name] ?? (exports['default'] as Record<string, unknown> | undefined)?.[name];
}

// ---------------------------------------------------------------------------------------------
// Errors

/** An error on the wire. */
export interface WireError {
  /** class name */
  n: string;
  /** how to rebuild: 'b' built-in class, 'm' multiproc class, 'o' other (RemoteError) */
  k: 'b' | 'm' | 'o';
  m: string;
  s: string | undefined;
  /** own enumerable properties that could be sent (`code` included) */
  p: Record<string, unknown>;
  /** cause, when the error has one */
  c?: unknown;
  /** AggregateError's errors */
  e?: unknown[];
  /** an exported class of the sender's ('o' only): the module's URL and the export's name */
  u?: string;
  x?: string;
}

/** The built-in error classes rebuilt as themselves. */
export const builtinErrors = new Map<string, ErrorConstructor>(
  [
    Error,
    TypeError,
    RangeError,
    SyntaxError,
    ReferenceError,
    EvalError,
    URIError,
    AggregateError,
  ].map((C) => [C.name, C as ErrorConstructor]),
);

/**
 * The sender's exported error class, if this process may load it (see `namedModule`); an error
 * whose class cannot be had arrives as a `RemoteError` rather than failing the message.
 */
function exportedErrorClass(url: string, name: string): (new () => Error) | undefined {
  let Class: unknown;
  try {
    Class = exportOf(url, name);
  } catch (error) {
    // A module that already runs here but only through a loader (a tsx main module, perhaps in
    // its top-level await) cannot be read without waiting for it: the error is rebuilt as a
    // RemoteError of the same name instead.
    if (error instanceof NeedsImport && !isImportedLoaderModule(url)) throw error;
    return undefined;
  }
  return typeof Class === 'function' && (Class as { prototype: unknown }).prototype instanceof Error
    ? (Class as new () => Error)
    : undefined;
}

function errorFromWire(wire: WireError): Error {
  let error: Error;
  if (wire.k === 'b') {
    const Builtin = builtinErrors.get(wire.n) ?? Error;
    error =
      wire.n === 'AggregateError' ? new AggregateError(wire.e ?? [], wire.m) : new Builtin(wire.m);
  } else {
    // `new Error` keeps the native error internals; the prototype then gives the class.
    error = new Error(wire.m);
    const Class =
      wire.k === 'm'
        ? errorClasses.get(wire.n)
        : wire.u !== undefined && wire.x !== undefined
          ? exportedErrorClass(wire.u, wire.x)
          : undefined;
    Object.setPrototypeOf(error, (Class ?? RemoteError).prototype);
    if (error.name !== wire.n)
      Object.defineProperty(error, 'name', { value: wire.n, writable: true, configurable: true });
  }
  for (const [key, value] of Object.entries(wire.p)) {
    Object.defineProperty(error, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: key !== 'name',
    });
  }
  if ('c' in wire)
    Object.defineProperty(error, 'cause', { value: wire.c, writable: true, configurable: true });
  const header = `${error.name}: ${error.message}`;
  Object.defineProperty(error, 'stack', {
    value: `${header}\n--- remote stack ---\n${wire.s ?? header}`,
    writable: true,
    configurable: true,
  });
  return error;
}

// ---------------------------------------------------------------------------------------------
// Extension readers. The encoder registers its writers with these same readers attached, since
// msgpackr keeps one reader per type code and a writer's registration replaces it.

/** The reader of each extension type. */
export const readers = {
  [Ext.NegativeZero]: (): number => -0,
  [Ext.Error]: (wire: WireError): Error => errorFromWire(wire),
  [Ext.Handle]: ([name, module, data]: [string, string, unknown]): unknown => {
    let type = shareableTypeByName(name);
    if (!type) {
      if (activeDecode.untrusted) {
        throw new TypeError(
          `received a ${name} handle from a socket peer, but no such type is registered in this process`,
        );
      }
      moduleSync(module);
      type = shareableTypeByName(name);
    }
    if (!type)
      throw new TypeError(
        `received a ${name} handle, but loading ${module} did not register that type`,
      );
    return type.fromHandle(data, activeDecode);
  },
  [Ext.ForeignTypedArray]: ([name, bytes]: [string, Uint8Array]): unknown => {
    // The name comes off the wire: only a typed array class may be constructed from it.
    const Typed = typedArrayNames.has(name)
      ? (globalThis as unknown as Record<string, new (buffer: ArrayBuffer) => unknown>)[name]
      : undefined;
    if (!Typed) throw new TypeError(`unknown typed array class ${name}`);
    // A copy: the bytes may sit at an offset that the element size does not divide.
    return new Typed(bytes.slice().buffer);
  },
  [Ext.Instance]: ([url, name, fields]: [string, string, Record<string, unknown>]): unknown => {
    const Class = exportOf(url, name);
    if (typeof Class !== 'function')
      throw new TypeError(`module ${url} no longer exports class ${name}`);
    return Object.assign(
      Object.create((Class as { prototype: object }).prototype) as object,
      fields,
    );
  },
};

for (const type of [
  Ext.NegativeZero,
  Ext.Error,
  Ext.Handle,
  Ext.Instance,
  Ext.ForeignTypedArray,
] as const) {
  addExtension({ type, read: readers[type] });
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/**
 * Decodes a message. Throws if it needs an ES module that cannot be loaded synchronously; use
 * `decodeAsync` where that can happen.
 *
 * @example
 * ```ts
 * const value = decode(encode(new Map([[1, 'one']]))); // Map { 1 => 'one' }
 * ```
 */
export function decode(bytes: Uint8Array, context?: DecodeContext): unknown {
  const previous = activeDecode;
  if (context) activeDecode = context;
  try {
    return unpack(bytes);
  } catch (error) {
    if (error instanceof NeedsImport) {
      throw new NeedsImportError(
        `${error.message}: decode it with decodeAsync (the module is an ES module with top-level await, or this Node cannot require ES modules)`,
        error.url,
      );
    }
    throw error;
  } finally {
    activeDecode = previous;
  }
}

/**
 * Decodes a message, first importing any ES module its values need.
 *
 * @example
 * ```ts
 * const start = await decodeAsync(bytes, { handles });
 * ```
 */
export async function decodeAsync(bytes: Uint8Array, context?: DecodeContext): Promise<unknown> {
  for (;;) {
    const previous = activeDecode;
    if (context) activeDecode = context;
    try {
      return unpack(bytes);
    } catch (error) {
      if (!(error instanceof NeedsImport)) throw error;
      loaded.byUrl.set(error.url, (await import(error.url)) as Record<string, unknown>);
    } finally {
      activeDecode = previous;
    }
  }
}
