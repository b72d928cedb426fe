/**
 * What a manager class knows about its typeids (`BaseManager.register`), and the rule that
 * decides which methods of a referent a client may call.
 */
import type { BaseProxy } from './proxy.js';

/**
 * A proxy class: what `register(…, { proxytype })` takes.
 *
 * @example
 * ```ts
 * const proxytype: ProxyClass = GeneratorProxy;
 * ```
 */
export type ProxyClass = typeof BaseProxy;

/**
 * Options of `BaseManager.register()`.
 *
 * @example
 * ```ts
 * MyManager.register('Store', { callable: Store, exposed: ['open'], methodToTypeid: { open: 'Box' } });
 * ```
 */
export interface RegisterOptions {
  /**
   * Builds the referent in the server: a class (called with `new`) or a function. Omitted on a
   * client that only connects to a server which has it.
   */
  callable?:
    ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown) | undefined;
  /**
   * The proxy class clients get (a subclass of `BaseProxy`).
   * @default an automatic proxy with one async method per exposed method
   */
  proxytype?: ProxyClass | undefined;
  /**
   * The referent's methods clients may call. Names starting with `_`, `constructor` and the
   * members of `Object.prototype` are never callable, listed or not.
   * @default the referent's public methods
   */
  exposed?: readonly string[] | undefined;
  /** Methods whose results stay in the server and come back as proxies of the given typeid. */
  methodToTypeid?: Readonly<Record<string, string>> | undefined;
  /**
   * Whether the manager gets a method named after the typeid.
   * @default true
   */
  createMethod?: boolean | undefined;
}

/** One registered typeid. */
export interface TypeEntry {
  readonly typeid: string;
  readonly callable: RegisterOptions['callable'] | undefined;
  readonly proxytype: ProxyClass | undefined;
  readonly exposed: readonly string[] | undefined;
  readonly methodToTypeid: Readonly<Record<string, string>>;
}

const objectMembers = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Whether a method name may ever be called from the wire. */
export function isCallableName(name: string): boolean {
  return (
    name.length > 0 && !name.startsWith('_') && name !== 'constructor' && !objectMembers.has(name)
  );
}

/** Prototypes whose members are never exposed by default (the runtime's own). */
const builtinPrototypes = new Set<object>([Object.prototype, Function.prototype]);

/** The referent's public methods: own and inherited, up to `Object.prototype`. */
export function publicMethods(referent: unknown): string[] {
  const names = new Set<string>();
  let object: unknown = referent;
  while (typeof object === 'object' || typeof object === 'function') {
    if (object === null || builtinPrototypes.has(object)) break;
    for (const name of Object.getOwnPropertyNames(object)) {
      if (!isCallableName(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(object, name);
      if (typeof descriptor?.value === 'function') names.add(name);
    }
    object = Object.getPrototypeOf(object);
  }
  return [...names].sort();
}

/** The methods clients may call on `referent`, given the registered `exposed` list. */
export function exposedMethods(
  referent: unknown,
  exposed: readonly string[] | undefined,
): string[] {
  const available = publicMethods(referent);
  if (exposed === undefined) return available;
  const set = new Set(available);
  return exposed.filter((name) => isCallableName(name) && set.has(name));
}

/** Validates `register()` arguments; messages name the option. */
export function checkRegistration(typeid: unknown, options: unknown): RegisterOptions {
  if (typeof typeid !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(typeid)) {
    throw new TypeError(
      `typeid must be an identifier-like string, got ${typeof typeid === 'string' ? JSON.stringify(typeid) : typeof typeid}`,
    );
  }
  if (typeof options === 'function') return { callable: options as RegisterOptions['callable'] };
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`register('${typeid}', options): options must be an object`);
  }
  const o = options as RegisterOptions;
  if (o.callable !== undefined && typeof o.callable !== 'function') {
    throw new TypeError(`register('${typeid}'): options.callable must be a class or a function`);
  }
  if (o.exposed !== undefined) {
    if (!Array.isArray(o.exposed) || !o.exposed.every((n) => typeof n === 'string')) {
      throw new TypeError(`register('${typeid}'): options.exposed must be an array of strings`);
    }
    const bad = o.exposed.find((n) => !isCallableName(n));
    if (bad !== undefined) {
      throw new TypeError(
        `register('${typeid}'): options.exposed names ${JSON.stringify(bad)}, which can never be called (names starting with _, constructor and Object.prototype members are private)`,
      );
    }
  }
  if (o.methodToTypeid !== undefined) {
    if (typeof o.methodToTypeid !== 'object' || o.methodToTypeid === null) {
      throw new TypeError(`register('${typeid}'): options.methodToTypeid must be an object`);
    }
    for (const [k, v] of Object.entries(o.methodToTypeid)) {
      if (typeof v !== 'string')
        throw new TypeError(`register('${typeid}'): options.methodToTypeid.${k} must be a typeid`);
    }
  }
  if (o.proxytype !== undefined && typeof o.proxytype !== 'function') {
    throw new TypeError(`register('${typeid}'): options.proxytype must be a proxy class`);
  }
  return o;
}
