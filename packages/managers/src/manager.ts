/**
 * `BaseManager`: starts a manager server in its own process (`start()`), serves one in this
 * process (`getServer().serveForever()`), or connects to one elsewhere (`connect()`), and
 * creates referents there, handing back proxies.
 */
import { randomBytes } from 'node:crypto';
import { Pipe, type Address, type AuthKey, type Family } from '@multiproc/connection';
import { Process } from '@multiproc/process';
import { exitedOf } from '@multiproc/process/internal';
import {
  ProcessError,
  assertSendable,
  describeFunction,
  invalidArgument,
  locateFunction,
  taskRef,
  type FunctionSpec,
} from '@multiproc/serialize';
import { builtinNameOf } from './builtins.js';
import {
  channelTo,
  closeChannel,
  formatAddress,
  rememberKey,
  type SocketChannel,
} from './client.js';
import type { ServerStats } from './protocol.js';
import { registerProxyClass, settleReply, type BaseProxy, type CallOptions } from './proxy.js';
import { checkRegistration, type RegisterOptions, type TypeEntry } from './registry.js';
import { Server, type ServerType } from './server.js';
import type { ServerStartSpec, TypeSpec } from './server-main.js';

/**
 * Options of `new BaseManager(…)`.
 *
 * @example
 * ```ts
 * const options: ManagerOptions = { address: ['0.0.0.0', 50000], authkey: 'abracadabra' };
 * ```
 */
export interface ManagerOptions {
  /**
   * Where the server listens (or where `connect()` finds it): a Unix socket path, or
   * `[host, port]` for TCP (port 0 picks a free port; read `manager.address`).
   * @default a fresh Unix socket path
   */
  address?: Address | undefined;
  /** The socket family; inferred from `address`. */
  family?: Family | undefined;
  /**
   * The key clients must prove (HMAC). A TCP manager needs one; `null` together with
   * `allowUnauthenticated: true` serves anyone who can reach the port.
   * @default a random key for a Unix socket manager (its proxies carry it to child processes)
   */
  authkey?: AuthKey | null | undefined;
  /** Says in so many words that a manager without a key is wanted. @default false */
  allowUnauthenticated?: boolean | undefined;
}

/**
 * Options of `start()`.
 *
 * @example
 * ```ts
 * await manager.start({ initializer: setUpLogging, initargs: ['manager'] });
 * ```
 */
export interface StartOptions {
  /** Runs in the server process before it serves (an exported function, or self-contained). */
  initializer?: ((...args: never[]) => unknown) | undefined;
  /** The arguments `initializer` is called with. */
  initargs?: readonly unknown[] | undefined;
}

/**
 * A server running in this process: what `getServer()` returns.
 *
 * @example
 * ```ts
 * const server = manager.getServer();
 * console.log('serving on', await server.listen());
 * await server.serveForever();
 * ```
 */
export interface ManagerServer {
  /** Listens (if not yet) and serves until `shutdown()` or a client's `shutdown()`. */
  serveForever(): Promise<void>;
  /** Listens and resolves with the address, without waiting for the end. */
  listen(): Promise<Address>;
  /**
   * Stops serving: closes the listener and the connections, rejects the calls in flight and lets
   * `serveForever()` resolve.
   */
  shutdown(): void;
  /** The address listened on; `undefined` until `listen()` has resolved. */
  readonly address: Address | undefined;
}

type State = 'initial' | 'started' | 'connected' | 'serving' | 'shutdown';

const registries = new WeakMap<object, Map<string, TypeEntry>>();

/** The registry of a manager class: its own registrations over its ancestors'. */
function registryOf(Class: object): Map<string, TypeEntry> {
  const chain: object[] = [];
  for (
    let c: object | null = Class;
    c && c !== Function.prototype;
    c = Object.getPrototypeOf(c) as object | null
  )
    chain.unshift(c);
  const merged = new Map<string, TypeEntry>();
  for (const c of chain) for (const [k, v] of registries.get(c) ?? []) merged.set(k, v);
  return merged;
}

const serverTarget = taskRef(import.meta.url, 'managerServerMain');
const kShutdownGrace = 5_000;

function checkAuthkey(options: ManagerOptions, tcp: boolean): Buffer | null | undefined {
  const { authkey } = options;
  if (authkey === null) {
    if (options.allowUnauthenticated !== true) {
      throw new ProcessError(
        'options.authkey is null: a manager without a key serves anyone who reaches it; pass allowUnauthenticated: true to mean that',
        'ERR_MP_NO_AUTHKEY',
      );
    }
    return null;
  }
  if (authkey === undefined) {
    if (tcp) {
      throw new ProcessError(
        'a TCP manager needs options.authkey (a Buffer or string), or { authkey: null, allowUnauthenticated: true }',
        'ERR_MP_NO_AUTHKEY',
      );
    }
    return undefined;
  }
  if (typeof authkey === 'string') return Buffer.from(authkey, 'utf8');
  if (authkey instanceof Uint8Array) return Buffer.from(authkey);
  throw invalidArgument('options.authkey', 'a Buffer, Uint8Array or string', authkey);
}

/**
 * How a registered callable travels to the server process. A class exported by a module still
 * in its top-level await (the main script, while it awaits `start()`) cannot be confirmed as
 * exported yet: it goes by its name, and the server checks the export when it imports it.
 */
function describeCallable(callable: unknown, path: string): FunctionSpec {
  try {
    return describeFunction(callable, path);
  } catch (error) {
    const Class = callable as { name?: string };
    const location = typeof callable === 'function' ? locateFunction(callable) : undefined;
    if (location && location.exportName === undefined && Class.name) {
      return { kind: 'ref', module: location.url, name: Class.name, guessed: true };
    }
    throw error;
  }
}

function checkListener(event: unknown, listener: unknown, method: string): void {
  if (event !== 'disconnect') throw invalidArgument(`${method}() event`, "'disconnect'", event);
  if (typeof listener !== 'function')
    throw invalidArgument(`${method}() listener`, 'a function', listener);
}

/**
 * A manager: a server process holding shared objects, and proxies to reach them. Subclass it
 * and `register()` typeids, as with Python's `BaseManager`.
 *
 * @example
 * ```ts
 * export class MathsClass { add(x: number, y: number) { return x + y; } }
 * class MyManager extends BaseManager {}
 * MyManager.register('Maths', { callable: MathsClass });
 * await using manager = new MyManager();
 * await manager.start();
 * const maths = await manager.create<AutoProxy<MathsClass>>('Maths');
 * await maths.add(4, 3); // 7
 * ```
 */
export class BaseManager {
  readonly #options: ManagerOptions;
  readonly #tcp: boolean;
  #authkey: Buffer | null;
  #state: State = 'initial';
  #address: Address | undefined;
  #channel: SocketChannel | null = null;
  #process: Process | null = null;
  #server: Server | null = null;
  readonly #disconnectListeners = new Set<(error: ProcessError) => void>();
  #unwatch: (() => void) | null = null;

  constructor(options: ManagerOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw invalidArgument('options', 'an object', options);
    const { address } = options;
    if (
      address !== undefined &&
      typeof address !== 'string' &&
      !(
        Array.isArray(address) &&
        address.length === 2 &&
        typeof address[0] === 'string' &&
        Number.isSafeInteger(address[1])
      )
    ) {
      throw invalidArgument('options.address', 'a Unix socket path or [host, port]', address);
    }
    this.#tcp = Array.isArray(address);
    const key = checkAuthkey(options, this.#tcp);
    this.#authkey = key === undefined ? randomBytes(32) : key;
    this.#options = options;
    this.#address = address;
    for (const [typeid, entry] of registryOf(this.constructor))
      this.#defineCreateMethod(typeid, entry);
  }

  /**
   * Registers a typeid on this manager class (and its subclasses). On a server, `callable`
   * builds the referent; a client that only connects may register the typeid with no options.
   *
   * @example
   * ```ts
   * MyManager.register('Maths', { callable: MathsClass });
   * MyManager.register('getQueue', { callable: () => queue });
   * MyManager.register('baz', { callable: baz, proxytype: GeneratorProxy });
   * ```
   */
  static register(typeid: string, options?: RegisterOptions | RegisterOptions['callable']): void {
    const o = checkRegistration(typeid, options);
    let own = registries.get(this);
    if (!own) registries.set(this, (own = new Map<string, TypeEntry>()));
    if (o.proxytype) registerProxyClass(o.proxytype);
    own.set(typeid, {
      typeid,
      callable: o.callable,
      proxytype: o.proxytype,
      exposed: o.exposed ?? o.proxytype?.exposed,
      methodToTypeid: { ...(o.methodToTypeid ?? {}) },
      createMethod: o.createMethod !== false,
    } as TypeEntry & { createMethod: boolean });
  }

  /** The server's address (known once started, connected or listening). */
  get address(): Address | undefined {
    return this.#address;
  }

  /** `'initial'`, `'started'`, `'connected'`, `'serving'` or `'shutdown'`. */
  get state(): State {
    return this.#state;
  }

  /**
   * Starts the server in a new process and connects to it.
   *
   * @example
   * ```ts
   * const manager = new MyManager();
   * await manager.start();
   * ```
   */
  async start(options: StartOptions = {}): Promise<void> {
    this.#assertState('initial', 'start');
    const initializer =
      options.initializer === undefined
        ? null
        : describeFunction(options.initializer, 'options.initializer');
    const spec: ServerStartSpec = {
      address: this.#address ?? null,
      family: this.#options.family ?? null,
      authkey: this.#authkey,
      types: this.#typeSpecs(),
      initializer,
      initargs: [...(options.initargs ?? [])],
    };
    const [reader, writer] = Pipe(false);
    const proc = new Process({
      target: serverTarget,
      args: [spec, writer],
      daemon: true,
      name: `${this.constructor.name}-server`,
    });
    this.#state = 'started';
    try {
      proc.start();
      writer.close();
      const exited = exitedOf(proc).then((code) => {
        throw new ProcessError(
          `the manager server exited (code ${code}) before it was ready`,
          'ERR_MP_MANAGER_GONE',
        );
      });
      const ready = await Promise.race([
        reader.recv<{ address?: Address; error?: unknown }>(),
        exited,
      ]);
      if (ready.error !== undefined) throw ready.error as Error;
      this.#address = ready.address;
    } catch (error) {
      this.#state = 'shutdown';
      if (proc.exitcode === null) proc.kill();
      await proc.join(kShutdownGrace);
      throw error;
    } finally {
      reader.close();
    }
    this.#process = proc;
    const channel = channelTo(this.#address as Address, this.#authkey, true);
    this.#channel = channel;
    this.#watch(channel, false);
    // The server is our child: its exit is known at once, even while no call waits for a reply.
    void exitedOf(proc).then((code) => {
      if (this.#state === 'shutdown') return;
      channel.fail(
        new ProcessError(
          `the manager at ${formatAddress(channel.address)} is gone: its server process exited (${code < 0 ? `signal ${-code}` : `code ${code}`})`,
          'ERR_MP_MANAGER_GONE',
        ),
      );
    });
  }

  /**
   * Connects to a running server at `options.address`.
   *
   * @example
   * ```ts
   * const m = new QueueManager({ address: ['localhost', 50000], authkey: 'abracadabra' });
   * await m.connect();
   * ```
   */
  async connect(): Promise<void> {
    this.#assertState('initial', 'connect');
    if (this.#address === undefined) throw new TypeError('connect() needs options.address');
    this.#channel = channelTo(this.#address, this.#authkey, true);
    this.#state = 'connected';
    this.#watch(this.#channel);
    try {
      await this.#channel.open();
    } catch (error) {
      this.#state = 'shutdown';
      throw error;
    }
  }

  /**
   * A server in this process, serving this class's registered typeids.
   *
   * @example
   * ```ts
   * await new QueueManager({ address: ['', 50000], authkey: 'abracadabra' }).getServer().serveForever();
   * ```
   */
  getServer(): ManagerServer {
    this.#assertState('initial', 'getServer');
    this.#state = 'serving';
    const types = new Map<string, ServerType>();
    for (const [typeid, entry] of registryOf(this.constructor)) {
      types.set(typeid, {
        typeid,
        create: entry.callable as ServerType['create'],
        exposed: entry.exposed,
        methodToTypeid: entry.methodToTypeid,
        proxy: entry.proxytype?.name ?? null,
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below has its own this
    const self = this;
    let listening: Promise<Server> | null = null;
    const listen = (): Promise<Server> =>
      (listening ??= Server.listen(types, {
        address: this.#address,
        family: this.#options.family,
        authkey: this.#authkey,
      }).then((server) => {
        this.#server = server;
        this.#address = server.address;
        rememberKey(server.address, this.#authkey);
        return server;
      }));
    return {
      listen: async () => (await listen()).address,
      serveForever: async () => {
        const server = await listen();
        await server.serveForever();
        this.#state = 'shutdown';
      },
      shutdown: () => {
        this.#server?.shutdown();
        this.#state = 'shutdown';
      },
      get address() {
        return self.#server?.address;
      },
    };
  }

  /**
   * Creates a referent of `typeid` in the server and resolves with its proxy (what the method
   * named after the typeid does).
   *
   * @example
   * ```ts
   * const maths = await manager.create<AutoProxy<MathsClass>>('Maths');
   * ```
   */
  async create<P extends BaseProxy = BaseProxy>(typeid: string, ...args: unknown[]): Promise<P> {
    const channel = this.#usableChannel(`create('${typeid}')`);
    if (typeof typeid !== 'string') throw invalidArgument('typeid', 'a string', typeid);
    assertSendable(args, 'args');
    const reply = await channel.request({ type: 'create', typeid, args });
    return settleReply(reply, channel, channel.address) as P;
  }

  /**
   * Listens for the loss of this manager's server: `'disconnect'` is emitted once, with the
   * error every call now rejects with (code `ERR_MP_MANAGER_GONE`, naming the address), when the
   * server process dies or the connection breaks, whether or not a call was waiting. Not after
   * `shutdown()`. The client never reconnects on its own: connect a new manager object.
   *
   * A server this manager started is watched through its process; one reached with `connect()`
   * through the socket, which an idle client checks twice a second without keeping its
   * process alive.
   *
   * @example
   * ```ts
   * manager.on('disconnect', (error) => console.error(error.message));
   * // the manager at /tmp/mp-…/manager.sock is gone: its server process exited (signal 9)
   * ```
   */
  on(event: 'disconnect', listener: (error: ProcessError) => void): this {
    checkListener(event, listener, 'on');
    this.#disconnectListeners.add(listener);
    return this;
  }

  /**
   * Removes a listener added with `on()`.
   *
   * @example
   * ```ts
   * manager.off('disconnect', onDisconnect);
   * ```
   */
  off(event: 'disconnect', listener: (error: ProcessError) => void): this {
    checkListener(event, listener, 'off');
    this.#disconnectListeners.delete(listener);
    return this;
  }

  #watch(channel: SocketChannel, checkIdle = true): void {
    this.#unwatch?.();
    this.#unwatch = channel.onLost((error) => {
      this.#unwatch = null;
      if (this.#state === 'shutdown') return;
      for (const listener of [...this.#disconnectListeners]) listener(error as ProcessError);
    }, checkIdle);
  }

  /** Counts of referents and connections in the server (diagnostics, leak tests). */
  async stats(options?: CallOptions): Promise<ServerStats> {
    const channel = this.#usableChannel('stats');
    const reply = await channel.request({ type: 'stats' }, options?.timeout ?? null);
    return settleReply(reply, channel, channel.address) as ServerStats;
  }

  /**
   * Stops the server (after `start()`), or the in-process server; after `connect()`, closes this
   * process's connection. Every proxy of this manager then rejects its calls. Idempotent.
   *
   * @example
   * ```ts
   * await manager.shutdown();
   * ```
   */
  async shutdown(): Promise<void> {
    const state = this.#state;
    if (state === 'shutdown' || state === 'initial') {
      this.#state = 'shutdown';
      return;
    }
    this.#state = 'shutdown';
    this.#unwatch?.();
    this.#unwatch = null;
    const address = this.#address as Address;
    const reason = new ProcessError(
      `the manager at ${formatAddress(address)} was shut down`,
      'ERR_MP_MANAGER_SHUTDOWN',
    );
    if (state === 'serving') {
      this.#server?.shutdown();
      return;
    }
    if (state === 'started' && this.#channel && !this.#channel.dead) {
      try {
        await this.#channel.request({ type: 'shutdown' }, kShutdownGrace);
      } catch {
        // Already gone: the process is reaped below either way.
      }
    }
    closeChannel(address, reason);
    const proc = this.#process;
    if (proc) {
      await proc.join(kShutdownGrace);
      if (proc.exitcode === null) {
        proc.kill();
        await proc.join(kShutdownGrace);
      }
      proc.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #usableChannel(what: string): SocketChannel {
    if (this.#state === 'shutdown') {
      throw new ProcessError(
        `cannot ${what}: the manager${this.#address ? ` at ${formatAddress(this.#address)}` : ''} was shut down`,
        'ERR_MP_MANAGER_SHUTDOWN',
      );
    }
    if (!this.#channel)
      throw new ProcessError(
        `cannot ${what}: call start() or connect() first`,
        'ERR_MP_MANAGER_STATE',
      );
    return this.#channel;
  }

  #assertState(expected: State, what: string): void {
    if (this.#state !== expected) {
      throw new ProcessError(
        `${what}() needs a manager in state '${expected}', this one is '${this.#state}'`,
        'ERR_MP_MANAGER_STATE',
      );
    }
  }

  #typeSpecs(): TypeSpec[] {
    const specs: TypeSpec[] = [];
    for (const [typeid, entry] of registryOf(this.constructor)) {
      let callable: TypeSpec['callable'] = null;
      if (entry.callable) {
        const builtin = builtinNameOf(entry.callable);
        callable = builtin
          ? { kind: 'builtin', name: builtin }
          : describeCallable(entry.callable, `register('${typeid}').callable`);
      }
      specs.push({
        typeid,
        callable,
        exposed: entry.exposed ? [...entry.exposed] : null,
        methodToTypeid: { ...entry.methodToTypeid },
        proxy: entry.proxytype?.name ?? null,
      });
    }
    return specs;
  }

  #defineCreateMethod(typeid: string, entry: TypeEntry): void {
    if ((entry as TypeEntry & { createMethod?: boolean }).createMethod === false) return;
    if (typeid in this) return; // a typed method of the class (SyncManager's dict() …) wins
    Object.defineProperty(this, typeid, {
      value: (...args: unknown[]) => this.create(typeid, ...args),
      enumerable: false,
      configurable: true,
    });
  }
}

/**
 * A proxy with one async method per method of `T` (what a typeid without proxytype gives).
 *
 * @example
 * ```ts
 * class MyManager extends BaseManager {
 *   declare Maths: () => Promise<AutoProxy<MathsClass>>;
 * }
 * ```
 */
export type AutoProxy<T> = BaseProxy & {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};
