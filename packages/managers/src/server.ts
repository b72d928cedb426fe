/**
 * The manager server: owns the referents, answers requests, and counts who holds what.
 *
 * Every hold belongs to a client connection (or to a proxy in transit, see `proxy.ts`), so a
 * client that ends, however it ends, releases all it held when its connection closes. A
 * referent lives while any hold remains.
 *
 * Requests come only from connections that passed the HMAC handshake (when the server has a
 * key). Each frame is checked against the protocol's shapes; a connection that sends anything
 * else is closed, and the server goes on. Only registered typeids can be created and only their
 * exposed methods called (see `registry.ts`).
 */
import { Listener, type Address, type Connection, type Family } from '@multiproc/connection';
import { spinMicros, yieldCpu } from '@multiproc/native';
import { SharedMemory, freshSegmentName } from '@multiproc/shared-memory';
import {
  ProcessError,
  TimeoutError,
  decode,
  encode,
  encodeTrusted,
  sharedState,
} from '@multiproc/serialize';
import { withCallContext, type CallContext } from './call-context.js';
import { formatAddress, type Channel, type RequestBody } from './client.js';
import { LaneReader, LaneWriter, isSwitch, kLanePrefix, kLaneSegmentBytes } from './lane.js';
import {
  isPlain,
  parseRequests,
  replyBatchToWire,
  replyToWire,
  type ObjectId,
  type ReferentInfo,
  type Reply,
  type Request,
  type ServerStats,
} from './protocol.js';
import { hasDropped, releaseDroppedNow, setLocalServers } from './proxy.js';
import { exposedMethods } from './registry.js';
import { kOwnerGone, kReferentClose } from './referent-hooks.js';

/** What the server knows of one typeid. */
export interface ServerType {
  readonly typeid: string;
  /** Builds a referent; absent for typeids this server cannot create. */
  readonly create: ((...args: unknown[]) => unknown) | undefined;
  readonly exposed: readonly string[] | undefined;
  readonly methodToTypeid: Readonly<Record<string, string>>;
  readonly proxy: string | null;
}

/** Options of a server. */
export interface ServerOptions {
  address?: Address | undefined;
  family?: Family | undefined;
  authkey: Buffer | null;
}

interface Referent {
  readonly obj: unknown;
  readonly info: ReferentInfo;
  readonly type: ServerType | undefined;
  readonly exposed: ReadonlySet<string>;
  refs: number;
}

/**
 * A hold for a proxy on its way to another process. A reply's proxies go to the one client the
 * reply is for; a client's proxies go wherever it sends them (a child, a queue), so their hold
 * outlives the sender by `kTransitGraceMs`, for a receiver that is still decoding.
 */
interface Transit {
  readonly oid: ObjectId;
  /** The client that posted it (the server's own for its replies). */
  readonly sender: Client;
  /** The client a reply carried it to, when the server sent it. */
  readonly receiver: Client | null;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * How long the holds of a client's proxies in transit outlive that client, unadopted: a
 * receiver that got the handle adopts it within milliseconds; one that died (SIGKILLed before it
 * decoded its arguments) never will, and its hold must not last until shutdown.
 */
export const kTransitGraceMs = 5_000;

interface Client {
  readonly id: number;
  readonly holds: Map<ObjectId, number>;
  readonly calls: Set<AbortController>;
  send(reply: Reply): void;
  /** Answers a lane request (a socket client's; others answer null). */
  openLane(id: number): void;
}

/** A client's shared-memory lane (lane.ts), as the server sees it. */
interface ServerLane {
  readonly shm: SharedMemory;
  readonly reader: LaneReader;
  /** Where replies go once the client said it reads its ring (its first switch frame). */
  writer: LaneWriter | null;
  /** Handles one frame of requests. */
  readonly frame: (bytes: Buffer) => void;
  readonly conn: Connection;
}

/**
 * How long (ms) the server watches its lanes after their last frame, at most and at least:
 * twenty times the spin setting (1 ms by default), down to the spin setting itself. A client's
 * next call usually comes within microseconds, but on 2 vCPUs a compiler or GC thread takes a
 * CPU from one side now and then, and a server that fell asleep meanwhile costs the next call a
 * wake-up (see `#adapt`).
 */
const kWatchMaxMs = (20 * spinMicros) / 1000;
const kWatchMinMs = spinMicros / 1000;
/**
 * The longest the server watches its lanes before its event loop gets a turn (ms): timers,
 * sockets and the async calls of other clients wait at most this long during a burst.
 */
const kSliceMs = 0.5;

const servers = sharedState<{ byAddress: Map<string, Server> }>('managerServers', () => ({
  byAddress: new Map(),
}));
setLocalServers({
  channelOf: (address) => servers.byAddress.get(formatAddress(address))?.localChannel,
  referentOf: (address, oid) => servers.byAddress.get(formatAddress(address))?.referentOf(oid),
});

/** Requests come from a socket: nothing they name is loaded (the connection's own rule). */
const kFromClient = { handles: [], untrusted: true } as const;

/** A reply's bytes: a plain result skips the codec's walk (see `protocol.ts`). */
function encodeReply(reply: Reply): Buffer {
  const wire = replyToWire(reply);
  return reply.type === 'ok' && isPlain(reply.value) ? encodeTrusted(wire) : encode(wire);
}

function isClass(fn: (...args: unknown[]) => unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** A running manager server. */
export class Server {
  readonly #types: ReadonlyMap<string, ServerType>;
  readonly #listener: Listener;
  readonly #objects = new Map<ObjectId, Referent>();
  readonly #transit = new Map<string, Transit>();
  /** The client a reply being encoded goes to: its proxies' transit holds are for that client. */
  #replyingTo: Client | null = null;
  readonly #adoptedEarly = new Set<string>();
  readonly #owners = new Set<Referent>();
  readonly #clients = new Set<Client>();
  readonly #connections = new Set<Connection>();
  readonly #lanes = new Set<ServerLane>();
  #watching = false;
  #watchScheduled = false;
  /** How long the lanes are watched after their last frame now (see `#adapt`). */
  #watchMs = kWatchMaxMs;
  /** When every lane last went to sleep, or null while they are watched. */
  #sleptAt: number | null = null;
  #nextOid = 1;
  #nextClient = 1;
  #state: 'serving' | 'closed' = 'serving';
  #done!: () => void;
  readonly #finished = new Promise<void>((resolve) => (this.#done = resolve));
  /** A channel for proxies inside this process (referents holding proxies of their server). */
  readonly localChannel: Channel;

  private constructor(types: ReadonlyMap<string, ServerType>, listener: Listener) {
    this.#types = types;
    this.#listener = listener;
    this.localChannel = this.#makeLocalChannel();
    servers.byAddress.set(formatAddress(listener.address), this);
  }

  /** Starts listening; clients are served once `serveForever()` runs. */
  static async listen(
    types: ReadonlyMap<string, ServerType>,
    options: ServerOptions,
  ): Promise<Server> {
    const listener = await Listener.listen({
      address: options.address,
      family: options.family,
      authkey: options.authkey,
      backlog: 1024,
    });
    return new Server(types, listener);
  }

  get address(): Address {
    return this.#listener.address;
  }

  /** Accepts and serves clients until `shutdown()`. */
  async serveForever(): Promise<void> {
    void this.#acceptLoop();
    await this.#finished;
  }

  /** The object of referent `oid`, while it lives. */
  referentOf(oid: ObjectId): unknown {
    return this.#objects.get(oid)?.obj;
  }

  /** Referent counts, for tests and diagnostics. */
  stats(): ServerStats {
    return {
      referents: this.#objects.size,
      inTransit: this.#transit.size,
      connections: this.#connections.size,
      lanes: [...this.#lanes].filter((lane) => lane.writer !== null).length,
    };
  }

  /** Stops serving: closes every connection and drops every referent. Idempotent. */
  shutdown(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    servers.byAddress.delete(formatAddress(this.#listener.address));
    this.#listener.close();
    for (const conn of this.#connections) conn.close();
    for (const client of this.#clients)
      for (const c of client.calls)
        c.abort(new ProcessError('the manager is shutting down', 'ERR_MP_MANAGER_SHUTDOWN'));
    for (const referent of this.#objects.values()) this.#close(referent);
    this.#objects.clear();
    for (const transit of this.#transit.values()) clearTimeout(transit.timer);
    this.#transit.clear();
    this.#done();
  }

  async #acceptLoop(): Promise<void> {
    while (this.#state === 'serving') {
      let conn: Connection;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#state !== 'serving' || this.#listener.closed) return;
        // A peer that failed the handshake: Listener already dropped it.
        if ((error as { name?: string }).name === 'AuthenticationError') continue;
        continue;
      }
      if (this.#state !== 'serving') {
        conn.close();
        return;
      }
      void this.#serve(conn);
    }
  }

  async #serve(conn: Connection): Promise<void> {
    this.#connections.add(conn);
    /** While a batch is handled, the replies ready at once, sent together after it. */
    let held: Reply[] | null = null;
    let lane = null as ServerLane | null; // set by a lane request (in a closure: no narrowing)
    const sendBytes = (bytes: Buffer): void => {
      if (lane?.writer) lane.writer.write(bytes);
      else conn.sendBytes(bytes);
    };
    const write = (reply: Reply): void => {
      try {
        this.#replyingTo = client;
        sendBytes(encodeReply(reply));
      } catch (error) {
        // A result that cannot be sent becomes an error reply naming why.
        try {
          sendBytes(
            encodeReply({
              type: 'error',
              id: reply.id,
              error: new TypeError(`the result cannot be sent: ${(error as Error).message}`),
            }),
          );
        } catch {
          conn.close();
        }
      } finally {
        this.#replyingTo = null;
      }
    };
    const client = this.#newClient((reply) => {
      if (conn.closed) return; // the client is gone; its calls' replies have nowhere to go
      if (held) held.push(reply);
      else write(reply);
    });
    client.openLane = (id) => {
      lane ??= this.#newLane(conn, frame);
      write({ type: 'ok', id, value: lane?.shm.name ?? null });
    };
    const writeHeld = (replies: Reply[]): void => {
      if (conn.closed || replies.length === 0) return;
      if (replies.length === 1) return write(replies[0] as Reply);
      let bytes: Buffer;
      try {
        this.#replyingTo = client;
        const wire = replies.map(replyToWire);
        bytes = replies.every((r) => r.type === 'ok' && isPlain(r.value))
          ? encodeTrusted(replyBatchToWire(wire))
          : encode(replyBatchToWire(wire));
      } catch {
        // One of them cannot be sent: each goes alone, and that one becomes an error reply.
        for (const reply of replies) write(reply);
        return;
      } finally {
        this.#replyingTo = null;
      }
      sendBytes(bytes);
    };
    /** Handles one frame of requests, from the socket or the lane. */
    const frame = (bytes: Buffer): void => {
      const requests = parseRequests(decode(bytes, kFromClient));
      // A protocol violation: drop this client, serve the others.
      if (!requests) throw new TypeError('the client sent a frame that is not a manager request');
      if (requests.length === 1) {
        this.#handle(client, requests[0] as Request);
        releaseDroppedNow();
        return;
      }
      held = [];
      try {
        for (const request of requests) {
          this.#handle(client, request);
          if (hasDropped()) {
            // What a referent let go of is released before the next request runs (exact
            // counts), and after the replies that may carry it are encoded.
            writeHeld(held);
            held = [];
            releaseDroppedNow();
          }
        }
      } finally {
        const replies = held;
        held = null;
        writeHeld(replies);
      }
    };
    try {
      for (;;) {
        const bytes = await conn.recvBytes();
        if (lane === null) {
          frame(bytes);
          continue;
        }
        // The client's first switch to the ring says it has mapped the lane: replies can follow
        // its requests there.
        if (lane.writer === null && isSwitch(bytes)) this.#activate(lane);
        lane.reader.fromSocket(bytes, frame);
        this.#watch();
      }
    } catch {
      // End of file, a broken or undecodable frame: this client is done.
    } finally {
      conn.close();
      this.#connections.delete(conn);
      if (lane) this.#closeLane(lane);
      this.#dropClient(client);
    }
  }

  /** A lane for a socket client on this machine, or null when none can be made. */
  #newLane(conn: Connection, frame: (bytes: Buffer) => void): ServerLane | null {
    if (spinMicros === 0 || typeof this.#listener.address !== 'string') return null;
    let shm: SharedMemory;
    try {
      shm = new SharedMemory({
        create: true,
        size: kLaneSegmentBytes,
        name: freshSegmentName(kLanePrefix),
      });
    } catch {
      return null; // no room in /dev/shm, say: the socket serves this client
    }
    const lane: ServerLane = { shm, reader: new LaneReader(shm.buf, 0), writer: null, frame, conn };
    this.#lanes.add(lane);
    return lane;
  }

  #activate(lane: ServerLane): void {
    lane.writer = new LaneWriter(lane.shm.buf, 1, (bytes) => lane.conn.sendBytes(bytes));
  }

  #closeLane(lane: ServerLane): void {
    this.#lanes.delete(lane);
    try {
      lane.shm.unlink();
    } catch {
      // The client unlinked it once mapped (the usual case): nothing left to remove.
    }
    lane.shm.close();
  }

  /**
   * Watches the lanes for requests while they come, and for `#watchMs` after the last one, in
   * slices of `kSliceMs` between which the event loop runs. A client whose request finds the
   * server watching wakes nobody; once every lane sleeps, the next request pokes its socket.
   */
  #watch(): void {
    if (this.#watching || this.#watchScheduled || this.#state !== 'serving') return;
    this.#watching = true;
    this.#adapt();
    try {
      for (const lane of this.#lanes) lane.reader.watch();
      const started = performance.now();
      let lastFrame = started;
      for (;;) {
        let frames = 0;
        for (const lane of this.#lanes) frames += this.#poll(lane);
        const now = performance.now();
        if (frames > 0) lastFrame = now;
        else if (now - lastFrame < this.#watchMs) {
          // A client this server waits for may be waiting for this CPU (see the client's watch).
          yieldCpu();
        } else {
          if (this.#sleepLanes()) {
            this.#sleptAt = now;
            return;
          }
          lastFrame = now;
        }
        if (now - started >= kSliceMs) {
          this.#watchScheduled = true;
          setImmediate(() => {
            this.#watchScheduled = false;
            this.#watch();
          });
          return;
        }
      }
    } finally {
      this.#watching = false;
    }
  }

  /**
   * Fits the watch to the clients: a request that came soon after the lanes went to sleep says
   * a longer watch would have caught it; one that came long after says the watch was CPU spent
   * for nothing (a client calling every few milliseconds would otherwise keep a CPU half busy).
   */
  #adapt(): void {
    if (this.#sleptAt === null) return;
    const asleep = performance.now() - this.#sleptAt;
    this.#sleptAt = null;
    if (asleep < this.#watchMs) this.#watchMs = Math.min(kWatchMaxMs, this.#watchMs * 2);
    else if (asleep > 4 * this.#watchMs) this.#watchMs = Math.max(kWatchMinMs, this.#watchMs / 2);
  }

  /** Handles the frames in a lane's ring; a lane that breaks the rules loses its client. */
  #poll(lane: ServerLane): number {
    try {
      return lane.reader.poll(lane.frame);
    } catch {
      this.#lanes.delete(lane);
      lane.conn.close();
      return 0;
    }
  }

  /** Puts every lane to sleep; false if one got a frame meanwhile (keep watching). */
  #sleepLanes(): boolean {
    let asleep = true;
    for (const lane of this.#lanes) if (!lane.reader.sleep()) asleep = false;
    if (!asleep) for (const lane of this.#lanes) lane.reader.watch();
    return asleep;
  }

  #newClient(send: (reply: Reply) => void): Client {
    const client: Client = {
      id: this.#nextClient++,
      holds: new Map(),
      calls: new Set(),
      send,
      openLane: (id) => send({ type: 'ok', id, value: null }),
    };
    this.#clients.add(client);
    return client;
  }

  #dropClient(client: Client): void {
    this.#clients.delete(client);
    const gone = new ProcessError('the client disconnected', 'ERR_MP_CLIENT_GONE');
    for (const controller of client.calls) controller.abort(gone);
    for (const referent of this.#owners)
      (referent.obj as { [kOwnerGone](id: number): void })[kOwnerGone](client.id);
    for (const [oid, count] of client.holds) this.#decref(oid, count);
    client.holds.clear();
    releaseDroppedNow();
    for (const [tid, transit] of this.#transit) {
      // A reply's proxies this client did not adopt before it went: nobody else can.
      if (transit.receiver === client) this.#endTransit(tid);
      else if (transit.sender === client && !transit.timer) {
        transit.timer = setTimeout(() => this.#endTransit(tid), kTransitGraceMs);
        transit.timer.unref();
      }
    }
  }

  #endTransit(tid: string): void {
    const transit = this.#transit.get(tid);
    if (!transit) return;
    clearTimeout(transit.timer);
    this.#transit.delete(tid);
    this.#decref(transit.oid, 1);
  }

  #handle(client: Client, request: Request): void {
    switch (request.type) {
      case 'create':
        this.#respond(client, request.id, () => this.#create(client, request.typeid, request.args));
        return;
      case 'call':
        this.#respond(
          client,
          request.id,
          () => this.#call(client, request),
          request.timeout,
          () => `${this.#objects.get(request.oid)?.info.typeid ?? 'referent'}.${request.method}()`,
        );
        return;
      case 'transit':
        if (this.#adoptedEarly.delete(request.tid)) return;
        if (this.#objects.has(request.oid) && !this.#transit.has(request.tid)) {
          const receiver = this.#replyingTo;
          this.#transit.set(request.tid, { oid: request.oid, sender: client, receiver });
          this.#incref(request.oid);
        }
        return;
      case 'adopt': {
        const transit = this.#transit.get(request.tid);
        if (transit !== undefined) {
          clearTimeout(transit.timer);
          this.#transit.delete(request.tid);
          this.#hold(client, transit.oid, false);
        } else if (this.#objects.has(request.oid)) {
          // The adopter's message overtook the sender's hold (they travel on two sockets).
          this.#adoptedEarly.add(request.tid);
          this.#hold(client, request.oid, true);
        }
        return;
      }
      case 'decref':
        for (const oid of request.oids) {
          const count = client.holds.get(oid);
          if (!count) continue;
          if (count === 1) client.holds.delete(oid);
          else client.holds.set(oid, count - 1);
          this.#decref(oid, 1);
        }
        return;
      case 'stats':
        client.send({ type: 'ok', id: request.id, value: this.stats() });
        return;
      case 'lane':
        client.openLane(request.id);
        return;
      case 'shutdown':
        client.send({ type: 'ok', id: request.id, value: null });
        // Let the reply reach the socket before the connections close.
        setImmediate(() => this.shutdown());
        return;
    }
  }

  #respond(
    client: Client,
    id: number,
    work: () => unknown,
    timeout: number | null = null,
    what: () => string = () => 'call',
  ): void {
    const context = new CallerContext(client);
    let result: unknown;
    try {
      result = withCallContext(context, work);
    } catch (error) {
      context.done();
      this.#reply(client, id, error, true);
      return;
    }
    // Most calls (a dict's get and set) finish at once: no timer, no controller, no await.
    if (!(result instanceof Promise)) {
      context.done();
      this.#reply(client, id, result, false);
      return;
    }
    const controller = context.controller();
    let timer: NodeJS.Timeout | undefined;
    if (timeout !== null) {
      timer = setTimeout(
        () => controller.abort(new TimeoutError(`${what()} did not finish within ${timeout} ms`)),
        timeout,
      );
    }
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(controller.signal.reason as Error);
      if (controller.signal.aborted) onAbort();
      else controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    Promise.race([result, aborted])
      .then(
        (value) => this.#reply(client, id, value, false),
        (error: unknown) => this.#reply(client, id, error, true),
      )
      .finally(() => {
        if (timer) clearTimeout(timer);
        client.calls.delete(controller);
      });
  }

  #reply(client: Client, id: number, value: unknown, failed: boolean): void {
    if (failed) {
      if (this.#clients.has(client)) client.send({ type: 'error', id, error: value });
    } else if (value instanceof ReferentReply) {
      client.send({ type: 'referent', id, info: value.info });
    } else {
      client.send({ type: 'ok', id, value });
    }
  }

  #create(client: Client, typeid: string, args: unknown[]): unknown {
    const type = this.#types.get(typeid);
    if (!type) {
      throw new ProcessError(
        `unknown typeid '${typeid}': this manager serves ${[...this.#types.keys()].map((t) => `'${t}'`).join(', ') || 'nothing'}`,
        'ERR_MP_UNKNOWN_TYPEID',
      );
    }
    const create = type.create;
    if (!create) {
      throw new ProcessError(
        `typeid '${typeid}' was registered without a callable on this manager`,
        'ERR_MP_UNKNOWN_TYPEID',
      );
    }
    const obj = isClass(create)
      ? new (create as unknown as new (...a: unknown[]) => unknown)(...args)
      : create(...args);
    if (obj instanceof Promise)
      return obj.then((value) => this.#adoptNew(client, value, type, typeid));
    return this.#adoptNew(client, obj, type, typeid);
  }

  #adoptNew(
    client: Client,
    obj: unknown,
    type: ServerType | undefined,
    typeid: string,
  ): ReferentReply {
    const oid = this.#nextOid++;
    const referent: Referent = {
      obj,
      type,
      refs: 0,
      exposed: new Set(exposedMethods(obj, type?.exposed)),
      info: { oid, typeid, exposed: [], proxy: type?.proxy ?? null },
    };
    (referent.info as { exposed: readonly string[] }).exposed = [...referent.exposed];
    this.#objects.set(oid, referent);
    if (typeof obj === 'object' && obj !== null && kOwnerGone in obj) this.#owners.add(referent);
    this.#hold(client, oid, true);
    return new ReferentReply(referent.info);
  }

  #call(client: Client, request: Extract<Request, { type: 'call' }>): unknown {
    const referent = this.#objects.get(request.oid);
    if (!referent || !client.holds.has(request.oid)) {
      throw new ProcessError(
        `no referent #${request.oid} held by this client (it was released, or never handed to it)`,
        'ERR_MP_NO_REFERENT',
      );
    }
    const { obj, info } = referent;
    if (request.method === '#getvalue') {
      // A referent with an exposed copy() gives its value that way (a dict's Map …).
      const copy = (obj as { copy?: unknown } | null)?.copy;
      return referent.exposed.has('copy') && typeof copy === 'function'
        ? (copy as () => unknown).call(obj)
        : obj;
    }
    if (!referent.exposed.has(request.method)) {
      throw new ProcessError(
        `method '${request.method}' of typeid '${info.typeid}' is not exposed (exposed: ${[...referent.exposed].join(', ') || 'none'})`,
        'ERR_MP_NOT_EXPOSED',
      );
    }
    const fn = (obj as Record<string, (...a: unknown[]) => unknown>)[request.method] as (
      ...a: unknown[]
    ) => unknown;
    const result = fn.apply(obj, request.args);
    const typeid = referent.type?.methodToTypeid[request.method];
    if (typeid === undefined) return result;
    const type = this.#types.get(typeid);
    if (result instanceof Promise)
      return result.then((value) => this.#adoptNew(client, value, type, typeid));
    return this.#adoptNew(client, result, type, typeid);
  }

  #hold(client: Client, oid: ObjectId, incref: boolean): void {
    client.holds.set(oid, (client.holds.get(oid) ?? 0) + 1);
    if (incref) this.#incref(oid);
  }

  #incref(oid: ObjectId): void {
    const referent = this.#objects.get(oid);
    if (referent) referent.refs++;
  }

  #decref(oid: ObjectId, count: number): void {
    const referent = this.#objects.get(oid);
    if (!referent) return;
    referent.refs -= count;
    if (referent.refs <= 0) {
      this.#objects.delete(oid);
      this.#owners.delete(referent);
      this.#close(referent);
    }
  }

  #close(referent: Referent): void {
    const close = (referent.obj as { [kReferentClose]?: () => unknown } | null)?.[kReferentClose];
    if (typeof close !== 'function') return;
    try {
      const result = close.call(referent.obj);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // Closing is best effort; the referent is gone either way.
    }
  }

  /** Requests from proxies in this process go straight to the server, encoded as on a socket. */
  #makeLocalChannel(): Channel {
    const waiting = new Map<number, (reply: Reply) => void>();
    let nextId = 1;
    // Replies are copied through the codec, so a proxy here sees values, never the referents.
    const client = this.#newClient((reply) =>
      waiting.get(reply.id)?.(decode(encode(reply)) as Reply),
    );
    const address = this.#listener.address;
    return {
      address,
      request: (body: RequestBody): Promise<Reply> => {
        if (this.#state === 'closed') {
          return Promise.reject(
            new ProcessError(
              `the manager at ${formatAddress(address)} was shut down`,
              'ERR_MP_MANAGER_SHUTDOWN',
            ),
          );
        }
        const id = nextId++;
        return new Promise<Reply>((resolve) => {
          waiting.set(id, (reply) => {
            waiting.delete(id);
            resolve(reply);
          });
          this.#handle(client, decode(encode({ ...body, id })) as Request);
        });
      },
      post: (message: Request): void => {
        if (this.#state !== 'closed') this.#handle(client, message);
      },
    };
  }
}

/** The caller of one call; its abort signal is made only for calls that ask for it. */
class CallerContext implements CallContext {
  #controller: AbortController | undefined;
  constructor(readonly client: Client) {}
  get owner(): number {
    return this.client.id;
  }
  get signal(): AbortSignal {
    return this.controller().signal;
  }
  done(): void {
    if (this.#controller) this.client.calls.delete(this.#controller);
  }
  controller(): AbortController {
    if (!this.#controller) {
      this.#controller = new AbortController();
      this.client.calls.add(this.#controller);
    }
    return this.#controller;
  }
}

/** A method result that became a new referent. */
class ReferentReply {
  constructor(readonly info: ReferentInfo) {}
}
