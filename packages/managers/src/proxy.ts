/**
 * `BaseProxy`: a process's handle on a referent living in a manager server.
 *
 * Each proxy object holds one reference on its referent, taken by the server when it handed the
 * proxy out (a create, a method registered in `methodToTypeid`) or when this process adopted a
 * proxy that arrived in a message. The reference goes when the proxy is released, garbage
 * collected, or when this process's connection ends (a SIGKILLed client releases everything).
 *
 * A proxy travels as a registered shareable handle. The sender first asks the server to hold the
 * referent for the handle's transit id; the receiver adopts that hold. So a proxy in transit is
 * never freed before its receiver holds it (cpython#119937), even if the sender drops it at once.
 */
import { randomBytes } from 'node:crypto';
import type { Address } from '@multiproc/connection';
import {
  ProcessError,
  assertSendable,
  invalidArgument,
  registerShareable,
  sharedState,
  type EncodeContext,
  toError,
} from '@multiproc/serialize';
import { channelTo, formatAddress, knownKey, type Channel } from './client.js';
import type { ObjectId, ReferentInfo, Reply, Request } from './protocol.js';

/**
 * Options every proxy call takes as its last argument.
 *
 * @example
 * ```ts
 * await d.get('key', { timeout: 1000 });
 * ```
 */
export interface CallOptions {
  /**
   * Milliseconds the server may take; past it the call rejects with `TimeoutError` and a waiting
   * method (a queue's `get`, a lock's `acquire`) gives up its place. `undefined` waits forever.
   */
  timeout?: number | null | undefined;
}

/**
 * Where a proxy's referent lives and what it offers.
 *
 * @example
 * ```ts
 * const token: ProxyToken = { address: '/tmp/m.sock', oid: 1, typeid: 'dict', exposed: ['get'], proxy: 'DictProxy' };
 * ```
 */
export interface ProxyToken extends ReferentInfo {
  /** The address of the manager's server that holds the referent. */
  readonly address: Address;
}

/** Finds the server of `address` when it runs in this process (set by `server.ts`). */
export interface LocalServers {
  channelOf(address: Address): Channel | undefined;
  /** The referent `oid` of the server of `address` in this process, if it holds one. */
  referentOf(address: Address, oid: ObjectId): unknown;
}
const local = sharedState<{ servers: LocalServers | null }>('managerLocalServers', () => ({
  servers: null,
}));

/** @internal Lets proxies of an in-process server talk to it directly. */
export function setLocalServers(servers: LocalServers): void {
  local.servers = servers;
}

interface Held {
  channel: Channel;
  oid: ObjectId;
}

// Dropped proxies release their references in batches, one message per channel per tick.
const pendingDrops = new Map<Channel, ObjectId[]>();
let dropScheduled = false;
function dropLater(channel: Channel, oid: ObjectId): void {
  let list = pendingDrops.get(channel);
  if (!list) pendingDrops.set(channel, (list = []));
  list.push(oid);
  if (!dropScheduled) {
    dropScheduled = true;
    setImmediate(() => {
      dropScheduled = false;
      for (const [ch, oids] of pendingDrops) ch.post({ type: 'decref', oids });
      pendingDrops.clear();
    }).unref();
  }
}
const finalizer = new FinalizationRegistry<Held>((held) => dropLater(held.channel, held.oid));

const kConstruct = Symbol('BaseProxy.construct');
const proxyClasses = sharedState<{ byName: Map<string, typeof BaseProxy> }>(
  'managerProxyClasses',
  () => ({
    byName: new Map(),
  }),
);

/** @internal Makes a proxy class known by name, so proxies that arrive in messages get it. */
export function registerProxyClass(Class: typeof BaseProxy): void {
  if (!proxyClasses.byName.has(Class.name)) proxyClasses.byName.set(Class.name, Class);
}

function isPrimitive(value: unknown): boolean {
  return (
    value === null ||
    (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')
  );
}

function checkCallOptions(options: unknown): number | null {
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object')
    throw invalidArgument('call options', 'an object like { timeout }', options);
  const timeout = (options as CallOptions).timeout;
  if (timeout === undefined || timeout === null || timeout === Infinity) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw invalidArgument('options.timeout', 'a number of milliseconds', timeout);
  }
  return Math.max(0, timeout);
}

let internals!: {
  token(proxy: BaseProxy): ProxyToken;
  channel(proxy: BaseProxy): Channel;
  released(proxy: BaseProxy): boolean;
};

/**
 * A proxy for a referent in a manager server. Subclass it for a custom `proxytype`, calling
 * `this.callMethod(name, args)` from its methods.
 *
 * @example
 * ```ts
 * export class GeneratorProxy extends BaseProxy {
 *   static exposed = ['next'];
 *   next(): Promise<IteratorResult<unknown>> {
 *     return this.callMethod('next') as Promise<IteratorResult<unknown>>;
 *   }
 * }
 * ```
 */
export class BaseProxy {
  /** The methods a proxy class calls, used as `register()`'s default `exposed`. */
  static exposed: readonly string[] | undefined = undefined;

  readonly #token: ProxyToken;
  readonly #channel: Channel;
  #released = false;

  /** Proxies are made by managers; a subclass keeps this constructor. */
  constructor(token: ProxyToken, channel: Channel, construct: symbol) {
    if (construct !== kConstruct) {
      throw new TypeError(
        'proxies are made by a manager (manager.dict(), manager.Foo() …), not with new',
      );
    }
    this.#token = token;
    this.#channel = channel;
    finalizer.register(this, { channel, oid: token.oid }, this);
  }

  /** The referent's registered typeid. */
  get typeid(): string {
    return this.#token.typeid;
  }

  /** The manager's address. */
  get address(): Address {
    return this.#token.address;
  }

  /** The referent's methods this proxy may call (the server enforces the same list). */
  get exposed(): readonly string[] {
    return this.#token.exposed;
  }

  /**
   * Calls a method of the referent in the server and resolves with its result (a proxy when the
   * method is in the typeid's `methodToTypeid`).
   *
   * @example
   * ```ts
   * await proxy.callMethod('add', [1, 2]); // 3
   * await proxy.callMethod('slowThing', [], { timeout: 100 }); // TimeoutError after 100 ms
   * ```
   */
  callMethod(name: string, args: readonly unknown[] = [], options?: CallOptions): Promise<unknown> {
    try {
      if (typeof name !== 'string') throw invalidArgument('method name', 'a string', name);
      if (!Array.isArray(args)) throw invalidArgument('args', 'an array', args);
      const timeout = checkCallOptions(options);
      this.#assertUsable(name);
      // Primitives need no walk here (the codec checks the frame anyway); anything else is
      // checked now, so an unsendable value is named by its path in args.
      if (!args.every(isPrimitive)) assertSendable(args, 'args');
      const channel = this.#channel;
      const address = this.#token.address;
      return channel
        .request(
          { type: 'call', oid: this.#token.oid, method: name, args: args as unknown[], timeout },
          timeout,
        )
        .then((reply) => settleReply(reply, channel, address));
    } catch (error: unknown) {
      return Promise.reject(toError(error));
    }
  }

  /**
   * A copy of the referent's value: a `Map` for a dict, an array for a list, a plain object for
   * a Namespace, the referent itself (sent by value) for other types.
   *
   * @example
   * ```ts
   * const d = await manager.dict([[1, 'a']]);
   * await d.copy(); // Map { 1 => 'a' }
   * ```
   */
  copy(options?: CallOptions): Promise<unknown> {
    return this.callMethod('#getvalue', [], options);
  }

  /**
   * Drops this proxy's reference now (otherwise garbage collection or the end of this process
   * does). The proxy cannot be used afterwards.
   *
   * @example
   * ```ts
   * const d = await manager.dict();
   * d.dispose();
   * ```
   */
  dispose(): void {
    if (this.#released) return;
    this.#released = true;
    finalizer.unregister(this);
    this.#channel.post({ type: 'decref', oids: [this.#token.oid] });
  }

  /** Same as `dispose()`, for `using d = await manager.dict()`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `<${this.constructor.name} ${this.#token.typeid}#${this.#token.oid} at ${formatAddress(this.#token.address)}>`;
  }

  #assertUsable(name: string): void {
    if (this.#released) {
      throw new ProcessError(
        `cannot call ${name}() on a disposed ${this.#token.typeid} proxy`,
        'ERR_MP_PROXY_RELEASED',
      );
    }
  }

  static {
    internals = {
      token: (proxy) => proxy.#token,
      channel: (proxy) => proxy.#channel,
      released: (proxy) => proxy.#released,
    };
  }
}

/**
 * @internal What a proxy stands for when its server runs in this process: a referent given a
 * proxy of its own server (`Condition(lock)`) then works on the object itself, with its caller's
 * identity, as Python's server does. `undefined` for any other value.
 */
export function localReferentOf(value: unknown): unknown {
  if (!(value instanceof BaseProxy) || internals.released(value)) return undefined;
  const token = internals.token(value);
  return local.servers?.referentOf(token.address, token.oid);
}

/** Proxies a referent let go of, released once the reply that may carry them is encoded. */
let dropped: BaseProxy[] = [];

/**
 * @internal Releases the proxies inside `value`, which a referent in the server has just let go
 * of (a dict value overwritten or deleted, a list item popped, the whole referent released):
 * their referents then live exactly as long as something else holds them, not until this
 * process's next garbage collection. The server releases them (`releaseDroppedNow`) once the
 * current call's reply is encoded, since that reply may carry the value (`pop()`) and its
 * handles are made from the live proxies; a microtask does it for any other caller.
 */
export function releaseDropped(value: unknown): void {
  const before = dropped.length;
  collectProxies(value, dropped, new Set());
  if (before === 0 && dropped.length > 0) queueMicrotask(releaseDroppedNow);
}

/** @internal Whether some referent let go of proxies not released yet. */
export function hasDropped(): boolean {
  return dropped.length > 0;
}

/** @internal Releases the proxies `releaseDropped` collected. */
export function releaseDroppedNow(): void {
  if (dropped.length === 0) return;
  const list = dropped;
  dropped = [];
  for (const proxy of list) proxy.dispose();
}

function collectProxies(value: unknown, found: BaseProxy[], seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof BaseProxy) {
    found.push(value);
    return;
  }
  if (Array.isArray(value) || value instanceof Set) {
    for (const item of value) collectProxies(item, found, seen);
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      collectProxies(k, found, seen);
      collectProxies(v, found, seen);
    }
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectProxies(item, found, seen);
  }
}

/** @internal The token of a proxy. */
export function tokenOf(proxy: BaseProxy): ProxyToken {
  return internals.token(proxy);
}

/** Methods of `BaseProxy` that an automatic proxy never shadows. */
const reserved = new Set([
  'callMethod',
  'copy',
  'dispose',
  'toString',
  'typeid',
  'address',
  'exposed',
]);

/** @internal Builds the proxy object for a referent this process now holds. */
export function makeProxy(info: ReferentInfo, address: Address, channel: Channel): BaseProxy {
  const token: ProxyToken = {
    oid: info.oid,
    typeid: info.typeid,
    exposed: info.exposed,
    proxy: info.proxy,
    address,
  };
  const Class = (info.proxy && proxyClasses.byName.get(info.proxy)) || BaseProxy;
  const proxy = new (Class as unknown as new (t: ProxyToken, c: Channel, k: symbol) => BaseProxy)(
    token,
    channel,
    kConstruct,
  );
  if (Class === BaseProxy) {
    // An automatic proxy: one async method per exposed method of the referent.
    for (const name of info.exposed) {
      if (reserved.has(name)) continue;
      Object.defineProperty(proxy, name, {
        value: (...args: unknown[]) => proxy.callMethod(name, args),
        enumerable: false,
        configurable: true,
      });
    }
  }
  return proxy;
}

/** @internal Turns a reply into a result, a proxy, or a thrown error. */
export function settleReply(reply: Reply, channel: Channel, address: Address): unknown {
  switch (reply.type) {
    case 'ok':
      return reply.value;
    case 'referent':
      return makeProxy(reply.info, address, channel);
    case 'error':
      throw reply.error;
  }
}

// ---------------------------------------------------------------------------------------------
// Travelling as a handle

type Handle = [
  address: Address,
  oid: ObjectId,
  typeid: string,
  exposed: readonly string[],
  proxy: string | null,
  tid: string,
  authkey: Buffer | null,
];

const tidPrefix = `${process.pid.toString(36)}.${randomBytes(6).toString('hex')}.`;
let tidCounter = 0;

function isAddress(value: unknown): value is Address {
  return (
    typeof value === 'string' ||
    (Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'number')
  );
}

function parseHandle(data: unknown): Handle {
  if (
    !Array.isArray(data) ||
    data.length !== 7 ||
    !isAddress(data[0]) ||
    typeof data[1] !== 'number' ||
    typeof data[2] !== 'string' ||
    !Array.isArray(data[3]) ||
    !data[3].every((n) => typeof n === 'string') ||
    !(data[4] === null || typeof data[4] === 'string') ||
    typeof data[5] !== 'string' ||
    !(data[6] === null || data[6] instanceof Uint8Array)
  ) {
    throw new TypeError('received a malformed manager proxy handle');
  }
  return data as Handle;
}

registerShareable<BaseProxy>({
  name: 'multiproc.managers.Proxy',
  Class: BaseProxy,
  module: import.meta.url,
  toHandle(proxy: BaseProxy, context: EncodeContext): unknown {
    if (internals.released(proxy))
      throw new TypeError(`a disposed ${proxy.typeid} proxy cannot be sent`);
    const token = internals.token(proxy);
    const tid = tidPrefix + (tidCounter++).toString(36);
    internals.channel(proxy).post({ type: 'transit', oid: token.oid, tid } satisfies Request);
    // The key travels with handles for Unix-socket managers (this machine) and to processes this
    // one starts; a TCP manager's key is not copied into values stored elsewhere.
    const key = knownKey(token.address) ?? null;
    const withKey = typeof token.address === 'string' || context.destination !== 'any';
    const handle: Handle = [
      token.address,
      token.oid,
      token.typeid,
      token.exposed,
      token.proxy,
      tid,
      withKey ? key : null,
    ];
    return handle;
  },
  fromHandle(data: unknown): BaseProxy {
    const [address, oid, typeid, exposed, proxyName, tid, authkey] = parseHandle(data);
    const channel =
      local.servers?.channelOf(address) ??
      channelTo(address, authkey ? Buffer.from(authkey) : (knownKey(address) ?? null));
    channel.post({ type: 'adopt', oid, tid });
    return makeProxy({ oid, typeid, exposed, proxy: proxyName }, address, channel);
  },
});

/**
 * Proxy methods that pass their arguments, and a last optional `CallOptions`, to the referent's
 * method of the same name, as Python's `MakeProxyType` does: `M` maps each name to
 * `[its arguments, its result]`.
 */
export type Forwarded<M extends Record<string, [unknown[], unknown]>> = {
  [K in keyof M]: (...args: [...M[K][0], options?: CallOptions]) => Promise<M[K][1]>;
};

/** Installs the {@link Forwarded} methods of `M` on `Class`, each with its number of arguments. */
export function forward<M extends Record<string, [unknown[], unknown]>>(
  Class: { prototype: BaseProxy },
  arities: { [K in keyof M]: M[K][0]['length'] },
): void {
  for (const [name, arity] of Object.entries(arities) as [string, number][]) {
    Object.defineProperty(Class.prototype, name, {
      configurable: true,
      writable: true,
      value(this: BaseProxy, ...args: unknown[]): Promise<unknown> {
        const options = args[arity] as CallOptions | undefined;
        // The rest array is this call's own: trimmed or padded to the arity in place.
        while (args.length < arity) args.push(undefined);
        args.length = arity;
        return this.callMethod(name, args, options);
      },
    });
  }
}
