/**
 * The client side of a manager connection: one connection per manager address per process,
 * shared by every proxy of that manager, with requests multiplexed by id.
 *
 * The connection reads only while a request waits for its reply, so an idle client does not keep
 * its process alive. When the server goes away, every waiting request and every later one rejects
 * at once with an error naming the address; the client never reconnects on its own.
 */
import { Client, type Address, type Connection } from '@multiproc/connection';
import { spinMicros, yieldCpu } from '@multiproc/native';
import { SharedMemory } from '@multiproc/shared-memory';
import {
  ProcessError,
  TimeoutError,
  decode,
  encode,
  encodeTrusted,
  sharedState,
  toError,
} from '@multiproc/serialize';
import { LaneReader, LaneWriter, kLanePrefix, kLaneSegmentBytes } from './lane.js';
import {
  batchToWire,
  isPlain,
  parseReplies,
  requestToWire,
  type Reply,
  type Request,
} from './protocol.js';

/** A request without its id (the channel numbers it). */
export type RequestBody = Request extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** Where proxies send their requests: a socket to the server, or the server itself in-process. */
export interface Channel {
  readonly address: Address;
  /** Sends a request and resolves with its reply. `timeout` ms bounds the wait here too. */
  request(body: RequestBody, timeout?: number | null): Promise<Reply>;
  /** Sends a message that has no reply (holds and releases), in order with requests. */
  post(message: Request): void;
}

/** Formats an address for messages. */
export function formatAddress(address: Address): string {
  return typeof address === 'string' ? address : `${address[0]}:${address[1]}`;
}

/**
 * How often an idle channel that someone watches (`onLost`) looks for the end of its socket. An
 * idle connection is not read (so it does not keep the process alive), and only a read sees the
 * end; this look is one non-blocking read on an unref'd timer.
 */
const kIdleCheckMs = 500;

/** Grace beyond a call's own timeout, which the server enforces, before the client gives up. */
const kClientGraceMs = 2_000;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * How long (ms) a client watches its lane for a reply before it sleeps: four times the spin
 * setting (200 µs by default). Measured on 2 vCPUs: a server that watches answers a dict's get
 * in 5-8 µs, but a CPU taken for a moment by a compiler or GC thread delays some replies by
 * 50-150 µs, and each reply missed costs two wake-ups through the socket (~100 µs here).
 */
const kWatchMs = (4 * spinMicros) / 1000;
/**
 * After this many watches in a row saw no reply (the server is busy, its calls are slow, or
 * the CPUs are shared by more busy processes than they can hold), calls sleep at once for
 * `kWatchBackoffMs` and are woken through the socket.
 */
const kMissesBeforeBackoff = 4;
const kWatchBackoffMs = 20;

/** A client's shared-memory lane (lane.ts): requests out on region 0, replies in on region 1. */
interface ClientLane {
  readonly shm: SharedMemory;
  readonly reader: LaneReader;
  readonly writer: LaneWriter;
}

/** A socket connection to one manager server. */
export class SocketChannel implements Channel {
  readonly address: Address;
  readonly #authkey: Buffer | null;
  #conn: Connection | null = null;
  #connecting: Promise<void> | null = null;
  /** Encoded messages waiting for the connection. */
  #outbox: Buffer[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #dead: Error | null = null;
  #pumping = false;
  /** Plain requests of this tick, written together when it ends (see `#queue`). */
  #batch: unknown[][] = [];
  readonly #lost = new Set<(error: Error) => void>();
  #idleCheck: NodeJS.Timeout | undefined;
  #lane: ClientLane | null = null;
  /** The request whose reply the next watch waits for (the last one of its tick). */
  #watchFor = 0;
  #watchDue = false;
  /** Whether `#endOfTick` is queued. */
  #tickQueued = false;
  /** Watches in a row that saw no reply. */
  #misses = 0;
  /** No watching before this time (`performance.now()`), after `kMissesBeforeBackoff`. */
  #watchAfter = 0;

  constructor(address: Address, authkey: Buffer | null) {
    this.address = address;
    this.#authkey = authkey;
  }

  /** Whether this channel authenticates with `authkey`. */
  hasKey(authkey: Buffer): boolean {
    return this.#authkey !== null && this.#authkey.equals(authkey);
  }

  /** Why this channel is unusable, or null. */
  get dead(): Error | null {
    return this.#dead;
  }

  /** Connects now (a manager's `connect()` wants to know at once whether it can). */
  async open(): Promise<void> {
    this.#ensureConnecting();
    await this.#connecting;
    if (this.#dead) throw this.#dead;
  }

  request(body: RequestBody, timeout: number | null = null): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer =
        timeout === null
          ? undefined
          : setTimeout(() => {
              this.#pending.delete(id);
              reject(
                new TimeoutError(
                  `manager at ${formatAddress(this.address)} did not answer within ${timeout} ms`,
                ),
              );
            }, timeout + kClientGraceMs);
      const request = { ...body, id } as Request;
      let bytes: Buffer | null = null;
      if (!isPlainRequest(request)) {
        try {
          // Encoded here, so a value that cannot be sent fails this call alone, not the channel.
          bytes = encode(requestToWire(request));
        } catch (error) {
          if (timer) clearTimeout(timer);
          reject(toError(error));
          return;
        }
      }
      this.#pending.set(id, { resolve, reject, timer });
      if (bytes) {
        // After the holds its proxies just posted, and whatever else this tick queued.
        this.#flushBatch();
        this.#send(bytes);
      } else this.#queue(requestToWire(request));
      if (this.#lane) this.#watchLater(id);
      else this.#pump();
    });
  }

  post(message: Request): void {
    if (this.#dead) return;
    this.#queue(requestToWire(message));
    // A hold for a proxy in transit is on the wire before the handle can reach anyone.
    if (message.type === 'transit') this.#flushBatch();
  }

  /**
   * Calls `listener` once, with the error calls now reject with, when this channel dies; at once
   * if it is dead already. `checkIdle: false` when the caller watches the server otherwise (its
   * process). Returns a function that stops listening.
   */
  onLost(listener: (error: Error) => void, checkIdle = true): () => void {
    if (this.#dead) {
      const dead = this.#dead;
      queueMicrotask(() => listener(dead));
      return () => {};
    }
    this.#lost.add(listener);
    if (checkIdle) this.#watchIdle();
    return () => {
      this.#lost.delete(listener);
      if (this.#lost.size === 0) this.#stopIdleCheck();
    };
  }

  /** Marks the channel dead, rejects everything waiting and tells the watchers. Idempotent. */
  fail(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    this.#stopIdleCheck();
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#outbox = [];
    this.#batch = [];
    this.#lane?.shm.close();
    this.#lane = null;
    this.#conn?.close();
    const listeners = [...this.#lost];
    this.#lost.clear();
    for (const listener of listeners) {
      try {
        listener(error);
      } catch (thrown) {
        // A listener's bug surfaces as an uncaught exception, as an event handler's would.
        process.nextTick(() => {
          throw thrown;
        });
      }
    }
  }

  close(reason: Error): void {
    this.fail(reason);
  }

  /**
   * Queues a plain request; the requests of one tick go out as one frame when its synchronous
   * code ends (`Promise.all([d.set(k, v), d.get(k)])` is one write and one server wake-up).
   * Order is kept: anything written directly flushes the queue first.
   */
  #queue(wire: unknown[]): void {
    this.#batch.push(wire);
    this.#atEndOfTick();
  }

  #atEndOfTick(): void {
    if (this.#tickQueued) return;
    this.#tickQueued = true;
    queueMicrotask(this.#endOfTick);
  }

  /** When the tick's synchronous code ends: its requests go out, then the lane is watched. */
  readonly #endOfTick = (): void => {
    this.#tickQueued = false;
    this.#flushBatch();
    if (this.#watchDue) {
      this.#watchDue = false;
      this.#watchLane();
    }
  };

  #flushBatch(): void {
    const batch = this.#batch;
    if (batch.length === 0 || this.#dead) return;
    this.#batch = [];
    this.#send(encodeTrusted(batch.length === 1 ? batch[0] : batchToWire(batch)));
  }

  #send(message: Buffer): void {
    if (this.#conn) {
      try {
        if (this.#lane) this.#lane.writer.write(message);
        else this.#conn.sendBytes(message);
      } catch (error) {
        this.fail(this.#gone(error));
      }
      return;
    }
    this.#outbox.push(message);
    this.#ensureConnecting();
  }

  #watchIdle(): void {
    if (this.#idleCheck || this.#dead) return;
    this.#idleCheck = setInterval(() => this.#checkIdle(), kIdleCheckMs);
    this.#idleCheck.unref();
  }

  #stopIdleCheck(): void {
    clearInterval(this.#idleCheck);
    this.#idleCheck = undefined;
  }

  /** An idle, connected channel reads what is there: end of file (or a late reply) shows. */
  #checkIdle(): void {
    const conn = this.#conn;
    if (!conn || this.#pumping || this.#dead) return;
    conn.poll(0).then(
      (ready) => {
        // A request made meanwhile started the pump, which now reads whatever is there.
        if (ready && !this.#pumping && !this.#dead) this.#pump(true);
      },
      (error: unknown) => this.fail(this.#gone(error)),
    );
  }

  #ensureConnecting(): void {
    if (this.#connecting || this.#conn) return;
    this.#connecting = Client({ address: this.address, authkey: this.#authkey })
      .then((conn) => {
        this.#conn = conn;
        this.#askForLane(conn);
        const outbox = this.#outbox;
        this.#outbox = [];
        for (const message of outbox) this.#send(message);
        this.#pump();
      })
      .catch((error: unknown) => {
        const name = (error as { name?: string }).name;
        this.fail(
          name === 'AuthenticationError'
            ? (error as Error)
            : new ProcessError(
                `cannot connect to the manager at ${formatAddress(this.address)}: ${(error as Error).message}`,
                'ERR_MP_MANAGER_GONE',
                { cause: error },
              ),
        );
      });
  }

  #gone(cause: unknown): Error {
    return new ProcessError(
      `the manager at ${formatAddress(this.address)} is gone (connection lost: ${(cause as Error)?.message ?? String(cause)})`,
      'ERR_MP_MANAGER_GONE',
      { cause },
    );
  }

  /** Settles the requests a frame of replies answers. */
  readonly #replies = (bytes: Buffer): void => {
    const replies = parseReplies(decode(bytes, kFromServer));
    if (!replies) throw new TypeError('the server sent a frame that is not a manager reply');
    for (const reply of replies) {
      const pending = this.#pending.get(reply.id);
      if (!pending) continue; // its caller timed out already
      this.#pending.delete(reply.id);
      if (pending.timer) clearTimeout(pending.timer);
      pending.resolve(reply);
    }
  };

  /**
   * Asks a manager on this machine (a Unix socket) for a lane. Its reply is handled where it is
   * read, before the next frame, since the server's next frame may already be the lane's.
   */
  #askForLane(conn: Connection): void {
    if (spinMicros === 0 || typeof this.address !== 'string') return;
    const id = this.#nextId++;
    this.#pending.set(id, {
      resolve: (reply) => this.#openLane(reply, conn),
      reject: () => {},
      timer: undefined,
    });
    conn.sendBytes(encodeTrusted(requestToWire({ type: 'lane', id })));
  }

  /**
   * Maps the lane the server made, and unlinks its name at once: from now on only the two
   * mappings hold it, and nothing is left in /dev/shm however either side ends. (The server
   * unlinks it when this client goes without having mapped it.)
   */
  #openLane(reply: Reply, conn: Connection): void {
    const name = reply.type === 'ok' ? reply.value : null;
    if (typeof name !== 'string' || !name.startsWith(kLanePrefix) || this.#dead) return;
    let shm: SharedMemory;
    try {
      shm = new SharedMemory({ name });
    } catch {
      return; // not mapped (the server is gone, say): the socket serves
    }
    try {
      shm.unlink();
    } catch {
      // Unlinked already: the server gave up on this client.
    }
    if (shm.size < kLaneSegmentBytes) {
      shm.close();
      return;
    }
    this.#lane = {
      shm,
      reader: new LaneReader(shm.buf, 1),
      writer: new LaneWriter(shm.buf, 0, (bytes) => conn.sendBytes(bytes)),
    };
  }

  /** Watches for request `id`'s reply once this tick's requests are written. */
  #watchLater(id: number): void {
    this.#watchFor = id;
    this.#watchDue = true;
    this.#atEndOfTick();
  }

  /**
   * Watches the lane for up to `kWatchMs` for the reply to `#watchFor`: a server that watches its
   * lanes answers a dict's get within a few microseconds, before a sleep and a wake-up could
   * even start. This blocks the event loop for that long at most (200 µs by default). Then it
   * sleeps, and the pump reads the socket: a poke for a reply that took longer, or a reply too
   * big for the ring. Not while the pump reads: its pending read would keep the process alive
   * after the reply came through the ring.
   */
  #watchLane(): void {
    const lane = this.#lane;
    const id = this.#watchFor;
    if (lane === null || this.#dead || this.#pumping || !this.#pending.has(id)) {
      this.#pump();
      return;
    }
    const now = performance.now();
    if (now >= this.#watchAfter) {
      try {
        lane.reader.watch();
        const until = now + kWatchMs;
        for (;;) {
          lane.reader.poll(this.#replies);
          if (!this.#pending.has(id) || performance.now() >= until) break;
          // Between looks, any thread ready to run on this CPU goes first: where busy processes
          // outnumber the CPUs, the server (or the clients it would serve together with this
          // one) may be waiting for it. With 4 clients on 2 vCPUs this took their throughput
          // from 1.4x CPython's to 2-2.5x; with nothing else to run, a yield returns at once.
          yieldCpu();
        }
        while (!lane.reader.sleep()) lane.reader.poll(this.#replies);
      } catch (error) {
        this.fail(this.#gone(error));
        return;
      }
      if (!this.#pending.has(id)) this.#misses = 0;
      else if (++this.#misses >= kMissesBeforeBackoff) {
        this.#misses = 0;
        this.#watchAfter = performance.now() + kWatchBackoffMs;
      }
    }
    this.#pump();
  }

  /** Reads replies while any request waits for one (and one frame when `once` says so). */
  #pump(once = false): void {
    if (this.#pumping || !this.#conn || (this.#pending.size === 0 && !once)) return;
    this.#pumping = true;
    const conn = this.#conn;
    const loop = async (): Promise<void> => {
      try {
        while ((once || this.#pending.size > 0) && !this.#dead) {
          once = false;
          const bytes = await conn.recvBytes();
          const lane = this.#lane;
          if (lane === null) {
            this.#replies(bytes);
            continue;
          }
          lane.reader.fromSocket(bytes, this.#replies);
          while (!lane.reader.sleep()) lane.reader.poll(this.#replies);
        }
      } finally {
        // At once, in the job that settled the last reply: the call it answered may make the
        // next one right after, and that one starts its own pump or watches the lane.
        this.#pumping = false;
      }
    };
    loop().catch((error: unknown) => this.fail(this.#gone(error)));
  }
}

/** Replies come from a socket or a lane: nothing they name is loaded (the connection's rule). */
const kFromServer = { handles: [], untrusted: true } as const;

/**
 * Whether a request is our own tuple of primitives, which skips the codec's walk; arguments that
 * are not all plain take the full path (proxies in them become handles, -0 and cycles are kept).
 */
function isPlainRequest(request: Request): boolean {
  const args = request.type === 'call' || request.type === 'create' ? request.args : undefined;
  return args === undefined || args.every(isPlain);
}

interface ChannelState {
  byAddress: Map<string, SocketChannel>;
  /** Authkeys this process knows, by address, for proxies that arrive without one. */
  keys: Map<string, Buffer | null>;
}
const channels = sharedState<ChannelState>('managerChannels', () => ({
  byAddress: new Map(),
  keys: new Map(),
}));

/** Remembers the key of a manager this process talks to. */
export function rememberKey(address: Address, authkey: Buffer | null): void {
  channels.keys.set(formatAddress(address), authkey);
}

/** The key this process knows for a manager, if any. */
export function knownKey(address: Address): Buffer | null | undefined {
  return channels.keys.get(formatAddress(address));
}

/**
 * This process's channel to the manager at `address`, opened on first use. A dead channel stays
 * (its calls reject at once) unless `fresh` asks for a new one: a manager's `connect()`/`start()`.
 */
export function channelTo(address: Address, authkey: Buffer | null, fresh = false): SocketChannel {
  const key = formatAddress(address);
  let channel = channels.byAddress.get(key);
  // A manager object connecting with its own key never rides on a channel opened with another.
  const otherKey = authkey !== null && channel !== undefined && !channel.hasKey(authkey);
  if (!channel || (fresh && (channel.dead || otherKey))) {
    channel = new SocketChannel(address, authkey);
    channels.byAddress.set(key, channel);
  }
  if (authkey) rememberKey(address, authkey);
  return channel;
}

/** Forgets the channel of a manager (after its shutdown), failing it with `reason`. */
export function closeChannel(address: Address, reason: Error): void {
  const key = formatAddress(address);
  channels.byAddress.get(key)?.close(reason);
}
