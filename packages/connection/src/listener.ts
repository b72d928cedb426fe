/**
 * `Listener` and `Client`: message connections over Unix sockets and TCP, optionally
 * authenticated with an HMAC challenge (see `auth.ts`), like Python's
 * `multiprocessing.connection.Listener` and `Client`.
 *
 * Unlike Python, whose `accept()` runs one handshake at a time with no time limit (one silent
 * client blocks the listener), a listener authenticates every incoming connection as it
 * arrives, concurrently, each within `handshakeTimeout`, reading at most 260 bytes from a peer
 * that has not proved the key. `accept()` hands out the results in the order they finish: a
 * connection, or an `AuthenticationError` for a peer that failed, as Python's `accept()` raises.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { checkTimeout, setLongTimeout, type LongTimer } from '@multiproc/native';
import {
  AuthenticationError,
  ProcessError,
  closedError,
  invalidArgument,
  toError,
} from '@multiproc/serialize';
import { checkAddress, resolveHost, type Address, type Family } from './address.js';
import { answerChallenge, deliverChallenge, toAuthKey, type AuthKey } from './auth.js';
import type { Connection } from './connection.js';
import { connectionInternals } from './connection.js';
import { detachHandle } from './uv.js';

/**
 * Options of `Listener.listen()`.
 *
 * @example
 * ```ts
 * const options: ListenerOptions = { address: ['0.0.0.0', 6000], authkey: 'secret password' };
 * ```
 */
export interface ListenerOptions {
  /**
   * Where to listen: a Unix socket path, or `[host, port]` (port 0 picks a free port; read the
   * real one from `listener.address`).
   * @default a fresh path in a private temporary directory (AF_UNIX), `['127.0.0.1', 0]` (AF_INET)
   */
  address?: Address | undefined;
  /**
   * The socket family; inferred from `address` when omitted.
   * @default 'AF_UNIX' without an address
   */
  family?: Family | undefined;
  /**
   * How many authenticated connections may wait for `accept()`; more are closed at once.
   * Connections still authenticating do not count (up to 1024 run at once, the oldest pushed out
   * beyond), so silent peers cannot lock honest clients out. Python's default is 1; the OS queue
   * behind it is longer.
   * @default 128
   */
  backlog?: number | undefined;
  /**
   * When set, every connection must pass the HMAC challenge with this key (both ways).
   *
   * Without it, anyone who can reach the address can connect and send messages. Messages from
   * a socket never make this process load a module (only types registered here and classes of
   * modules already loaded are rebuilt), but they are still a stranger's data. A TCP listener
   * without an authkey is therefore refused on any address but a loopback one, unless
   * `allowUnauthenticated` is set.
   */
  authkey?: AuthKey | null | undefined;
  /**
   * Listen without an `authkey` on a non-loopback TCP address (reachable from other machines).
   * @default false
   */
  allowUnauthenticated?: boolean | undefined;
  /**
   * Milliseconds a peer has to complete the handshake before it is dropped (see
   * `docs/timeouts.md`; `null` waits forever).
   * @default 10000
   */
  handshakeTimeout?: number | null | undefined;
}

/**
 * Options of `Client()`.
 *
 * @example
 * ```ts
 * const options: ClientOptions = { address: ['localhost', 6000], authkey: 'secret password' };
 * ```
 */
export interface ClientOptions {
  /** The listener's address: a Unix socket path, or `[host, port]`. */
  address: Address;
  /** The socket family; inferred from `address` when omitted. */
  family?: Family | undefined;
  /** The listener's key, when it has one. */
  authkey?: AuthKey | null | undefined;
  /**
   * Milliseconds the listener has to complete the handshake (`null`: forever; the rule of
   * `docs/timeouts.md`).
   * @default 10000
   */
  handshakeTimeout?: number | null | undefined;
}

const kDefaultHandshakeTimeout = 10_000;
const kDefaultBacklog = 128;
/**
 * Most handshakes in flight at once. A connection beyond it pushes out the oldest unfinished one
 * (usually a silent peer), so no number of silent peers can keep an honest client waiting longer
 * than its own round trip; each costs a descriptor and 512 bytes until then.
 */
const kMaxHandshakes = 1024;
const kKernelBacklog = 511;
/** Attempts of a Unix socket connect that finds the listener's queue full (EAGAIN). */
const kConnectAttempts = 20;
const kConstruct = Symbol('Listener.construct');

type Entry = { conn: Connection; peer: Address } | { error: Error };

// Assigned by Listener's static block, which alone can reach its private fields; for wait().
let listenerReady!: (listener: Listener, onReady: () => void) => () => void;

function checkOptionsObject(options: unknown, path: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(path, 'an object', options);
  }
  return options as Record<string, unknown>;
}

function checkPositiveInteger(value: unknown, path: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(path, 'a positive integer', value);
  }
  return value;
}

function checkKey(value: unknown, path: string): Buffer | undefined {
  return value === undefined || value === null ? undefined : toAuthKey(value, path);
}

/** Whether an IP address is a loopback one (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\./i.test(ip);
}

/**
 * Runs the handshake under its own deadline. Whatever goes wrong (a wrong digest, a peer that
 * resets or closes mid-challenge, the deadline) surfaces as an `AuthenticationError`, the only
 * error a server loop should have to expect from `accept()`.
 */
async function handshake(
  conn: Connection,
  steps: () => Promise<void>,
  ms: number,
  who: string,
): Promise<void> {
  let timer: LongTimer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (ms === Infinity) return;
    timer = setLongTimeout(() => {
      reject(
        new AuthenticationError(`authentication failed: ${who} did not finish within ${ms} ms`),
      );
      conn.close();
    }, ms);
  });
  try {
    await Promise.race([steps(), timeout]);
  } catch (error) {
    conn.close();
    if (error instanceof AuthenticationError) throw error;
    throw new AuthenticationError(
      `authentication failed: the connection to ${who} broke during the handshake`,
      { cause: error },
    );
  } finally {
    timer?.clear();
  }
  connectionInternals().engineOf(conn).unguard();
}

/**
 * A bound socket that accepts connections: Python's `multiprocessing.connection.Listener`.
 * Create one with `Listener.listen()`.
 *
 * @example
 * ```ts
 * import { Listener } from 'multiproc';
 *
 * await using listener = await Listener.listen({ address: ['localhost', 6000], authkey: 'secret password' });
 * using conn = await listener.accept();
 * console.log('connection accepted from', listener.lastAccepted);
 * conn.send([2.25, null, 'junk']);
 * ```
 */
export class Listener {
  readonly #server: Server;
  readonly #address: Address;
  readonly #family: Family;
  readonly #authkey: Buffer | undefined;
  readonly #backlog: number;
  readonly #handshakeTimeout: number;
  /** A private temporary directory holding the socket, removed on close. */
  readonly #tempDir: string | undefined;
  #closed = false;
  #lastAccepted: Address | null = null;
  /** Finished connections (or failed handshakes) waiting for `accept()`. */
  #ready: Entry[] = [];
  /** Connections still authenticating. */
  #handshaking = new Set<Connection>();
  #acceptors: { resolve: (conn: Connection) => void; reject: (error: unknown) => void }[] = [];
  #watchers = new Set<() => void>();

  private constructor(
    token: typeof kConstruct,
    server: Server,
    options: {
      address: Address;
      family: Family;
      authkey: Buffer | undefined;
      backlog: number;
      handshakeTimeout: number;
      tempDir: string | undefined;
    },
  ) {
    if (token !== kConstruct) throw new TypeError('use Listener.listen() to create a Listener');
    this.#server = server;
    this.#address = options.address;
    this.#family = options.family;
    this.#authkey = options.authkey;
    this.#backlog = options.backlog;
    this.#handshakeTimeout = options.handshakeTimeout;
    this.#tempDir = options.tempDir;
    server.on('connection', (socket: Socket) => this.#onConnection(socket));
    // Per-connection failures (EMFILE on accept …) must not crash the process; the peer simply
    // sees its connection closed.
    server.on('error', () => undefined);
    // A listener keeps the process alive only while an accept() waits, as Python's does.
    server.unref();
  }

  /**
   * Binds and listens. Rejects (with Node's error: `EADDRINUSE`, `EACCES` …) if it cannot.
   *
   * @example
   * ```ts
   * const listener = await Listener.listen({ address: ['127.0.0.1', 0] });
   * console.log(listener.address); // [ '127.0.0.1', 41235 ]
   * ```
   */
  static async listen(options: ListenerOptions = {}): Promise<Listener> {
    const o = checkOptionsObject(options, 'options');
    const { address, family } = checkAddress(o.address, o.family, 'options');
    const authkey = checkKey(o.authkey, 'options.authkey');
    const allowUnauthenticated = o.allowUnauthenticated ?? false;
    if (typeof allowUnauthenticated !== 'boolean') {
      throw invalidArgument('options.allowUnauthenticated', 'a boolean', allowUnauthenticated);
    }
    const backlog = checkPositiveInteger(o.backlog, 'options.backlog', kDefaultBacklog);
    const handshakeTimeout =
      o.handshakeTimeout === undefined
        ? kDefaultHandshakeTimeout
        : checkTimeout(o.handshakeTimeout, 'options.handshakeTimeout');
    const server = createServer({ pauseOnConnect: true, noDelay: true });
    let tempDir: string | undefined;
    let listenOn: { path: string } | { host: string; port: number };
    if (family === 'AF_UNIX') {
      let path = address as string | undefined;
      if (path === undefined) {
        tempDir = mkdtempSync(join(tmpdir(), 'multiproc-'));
        path = join(tempDir, `listener-${process.pid}`);
      }
      listenOn = { path };
    } else {
      const [host, port] = (address as readonly [string, number] | undefined) ?? ['127.0.0.1', 0];
      listenOn = { host: await resolveHost(host, family), port };
      if (!authkey && !allowUnauthenticated && !isLoopback(listenOn.host)) {
        throw new ProcessError(
          `options.authkey is required to listen on ${listenOn.host}, which is not a loopback address: ` +
            'without it anyone who reaches the port can connect and send messages; ' +
            'pass an authkey, or set options.allowUnauthenticated to true',
          'ERR_MP_UNAUTHENTICATED_LISTENER',
        );
      }
    }
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // The kernel's queue stays long (Node's default): connections leave it at once anyway,
        // and a full queue makes non-blocking Unix connects fail with EAGAIN.
        server.listen({ ...listenOn, backlog: Math.max(backlog, kKernelBacklog) }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      throw error;
    }
    const bound = server.address();
    const realAddress: Address =
      typeof bound === 'string' || bound === null
        ? (listenOn as { path: string }).path
        : [bound.address, bound.port];
    return new Listener(kConstruct, server, {
      address: realAddress,
      family,
      authkey,
      backlog,
      handshakeTimeout,
      tempDir,
    });
  }

  /**
   * Resolves with the next connection that has arrived (and passed the handshake, with an
   * `authkey`). Rejects with `AuthenticationError` for a peer that failed the handshake, in the
   * order handshakes finish; a server loop catches it and accepts again.
   *
   * @example
   * ```ts
   * for (;;) {
   *   try { serve(await listener.accept()); } catch (e) { if (!(e instanceof AuthenticationError)) throw e; }
   * }
   * ```
   */
  accept(): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      this.#assertOpen();
      this.#acceptors.push({ resolve, reject });
      this.#server.ref();
      this.#dispatch();
    });
  }

  /**
   * Stops listening and removes the socket file. Idempotent. Waiting `accept()`s reject;
   * connections not yet accepted are closed; accepted ones are not affected.
   *
   * @example
   * ```ts
   * listener.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    // libuv unlinks a Unix socket's path when the listening handle closes, synchronously.
    if (this.#tempDir) rmSync(this.#tempDir, { recursive: true, force: true });
    const error = closedError('Listener');
    for (const acceptor of this.#acceptors.splice(0)) acceptor.reject(error);
    for (const entry of this.#ready.splice(0)) if ('conn' in entry) entry.conn.close();
    for (const conn of this.#handshaking) conn.close();
    this.#handshaking.clear();
    for (const watcher of this.#watchers) watcher();
  }

  /** Same as `close()`, for `using listener = …`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Same as `close()`, for `await using listener = …`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** The bound address: the socket path, or `[ip, port]` with the real port. */
  get address(): Address {
    return this.#address;
  }

  /** The family of the bound socket. */
  get family(): Family {
    return this.#family;
  }

  /**
   * Where the last accepted connection came from: `[ip, port]` for TCP, `''` for a Unix socket
   * (clients are unnamed); `null` before the first.
   */
  get lastAccepted(): Address | null {
    return this.#lastAccepted;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  [inspect.custom](): string {
    const where = typeof this.#address === 'string' ? this.#address : this.#address.join(':');
    return `<Listener ${this.#family} ${where}${this.#authkey ? ' authkey' : ''}${this.#closed ? ' closed' : ''}>`;
  }

  static {
    listenerReady = (listener, onReady) => listener.#whenReady(onReady);
  }

  /** For `wait()`: calls `onReady` once `accept()` would not wait; returns a cancel function. */
  #whenReady(onReady: () => void): () => void {
    this.#assertOpen();
    if (this.#ready.length > 0) {
      onReady();
      return () => undefined;
    }
    const watcher = (): void => {
      this.#watchers.delete(watcher);
      onReady();
    };
    this.#watchers.add(watcher);
    this.#server.ref();
    return () => {
      this.#watchers.delete(watcher);
      this.#refIfNeeded();
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError('Listener');
  }

  #onConnection(socket: Socket): void {
    if (this.#closed || this.#ready.length >= this.#backlog) {
      socket.destroy();
      return;
    }
    if (this.#handshaking.size >= Math.max(kMaxHandshakes, this.#backlog)) {
      const oldest = this.#handshaking.values().next().value as Connection;
      // Dropped without a word: accept() reports the handshakes that fail on their own.
      this.#handshaking.delete(oldest);
      oldest.close();
    }
    const peer: Address =
      this.#family === 'AF_UNIX' ? '' : [socket.remoteAddress ?? '', socket.remotePort ?? 0];
    let conn: Connection;
    try {
      conn = connectionInternals().create(
        { handle: detachHandle(socket) },
        {
          readable: true,
          writable: true,
          guarded: this.#authkey !== undefined,
          kind: this.#family === 'AF_UNIX' ? 'unix' : 'tcp',
          untrusted: true,
        },
      );
    } catch {
      socket.destroy();
      return;
    }
    const key = this.#authkey;
    if (!key) {
      this.#push({ conn, peer });
      return;
    }
    this.#handshaking.add(conn);
    handshake(
      conn,
      async () => {
        await deliverChallenge(conn, key);
        await answerChallenge(conn, key);
      },
      this.#handshakeTimeout,
      'the client',
    ).then(
      () => {
        if (this.#handshaking.delete(conn)) this.#push({ conn, peer });
      },
      (error: unknown) => {
        if (this.#handshaking.delete(conn) && this.#ready.length < this.#backlog) {
          this.#push({ error: toError(error) });
        }
      },
    );
  }

  #push(entry: Entry): void {
    if (this.#closed) {
      if ('conn' in entry) entry.conn.close();
      return;
    }
    this.#ready.push(entry);
    this.#dispatch();
    for (const watcher of [...this.#watchers]) watcher();
  }

  #dispatch(): void {
    while (this.#acceptors.length > 0 && this.#ready.length > 0) {
      const acceptor = this.#acceptors.shift()!;
      const entry = this.#ready.shift()!;
      if ('conn' in entry) {
        this.#lastAccepted = entry.peer;
        acceptor.resolve(entry.conn);
      } else {
        acceptor.reject(entry.error);
      }
    }
    this.#refIfNeeded();
  }

  #refIfNeeded(): void {
    if (this.#closed) return;
    if (this.#acceptors.length > 0 || this.#watchers.size > 0) this.#server.ref();
    else this.#server.unref();
  }
}

/** @internal For `wait()`. */
export function whenListenerReady(listener: Listener, onReady: () => void): () => void {
  return listenerReady(listener, onReady);
}

/** A connected socket; a Unix connect that finds the listener's queue full is retried. */
async function connect(
  target: { path: string } | { host: string; port: number; noDelay: true },
): Promise<Socket> {
  for (let attempt = 1; ; attempt++) {
    const shell = createConnection(target);
    // Paused before it connects, so Node reads nothing into the stream we are about to drop.
    shell.pause();
    try {
      await new Promise<void>((resolve, reject) => {
        shell.once('connect', () => {
          shell.off('error', reject);
          resolve();
        });
        shell.once('error', reject);
      });
      return shell;
    } catch (error) {
      shell.destroy();
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || attempt === kConnectAttempts) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, attempt * 5));
    }
  }
}

/**
 * Connects to a `Listener` and, with `authkey`, runs the HMAC challenge both ways: Python's
 * `multiprocessing.connection.Client`. Rejects with Node's error when nobody listens there
 * (`ECONNREFUSED`, `ENOENT`), and with `AuthenticationError` when the keys differ.
 *
 * @example
 * ```ts
 * import { Client } from 'multiproc';
 *
 * using conn = await Client({ address: ['localhost', 6000], authkey: 'secret password' });
 * console.log(await conn.recv());
 * ```
 */
export async function Client(options: ClientOptions): Promise<Connection> {
  const o = checkOptionsObject(options, 'options');
  if (o.address === undefined || o.address === null) {
    throw invalidArgument(
      'options.address',
      'a Unix socket path or a [host, port] pair',
      o.address,
    );
  }
  const { address, family } = checkAddress(o.address, o.family, 'options');
  const authkey = checkKey(o.authkey, 'options.authkey');
  const handshakeTimeout =
    o.handshakeTimeout === undefined
      ? kDefaultHandshakeTimeout
      : checkTimeout(o.handshakeTimeout, 'options.handshakeTimeout');
  const target: { path: string } | { host: string; port: number; noDelay: true } =
    family === 'AF_UNIX'
      ? { path: address as string }
      : {
          host: await resolveHost((address as readonly [string, number])[0], family),
          port: (address as readonly [string, number])[1],
          noDelay: true,
        };
  const shell = await connect(target);
  const conn = connectionInternals().create(
    { handle: detachHandle(shell) },
    {
      readable: true,
      writable: true,
      guarded: authkey !== undefined,
      kind: family === 'AF_UNIX' ? 'unix' : 'tcp',
      untrusted: true,
    },
  );
  if (authkey) {
    await handshake(
      conn,
      async () => {
        await answerChallenge(conn, authkey);
        await deliverChallenge(conn, authkey);
      },
      handshakeTimeout,
      'the listener',
    );
  }
  return conn;
}
