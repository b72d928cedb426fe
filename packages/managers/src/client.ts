/**
 * The client side of a manager connection: one connection per manager address per process,
 * shared by every proxy of that manager, with requests multiplexed by id.
 *
 * The connection reads only while a request waits for its reply, so an idle client does not keep
 * its process alive. When the server goes away, every waiting request and every later one rejects
 * at once with an error naming the address; the client never reconnects on its own.
 */
import { Client, type Address, type Connection } from '@multiproc/connection';
import { ProcessError, TimeoutError, encode, sharedState, toError } from '@multiproc/serialize';
import type { Reply, Request } from './protocol.js';

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

/** Grace beyond a call's own timeout, which the server enforces, before the client gives up. */
const kClientGraceMs = 2_000;

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
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
      let bytes: Buffer;
      try {
        // Encoded here, so a value that cannot be sent fails this call alone, not the channel.
        bytes = encode({ ...body, id });
      } catch (error) {
        if (timer) clearTimeout(timer);
        reject(toError(error));
        return;
      }
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(bytes);
      this.#pump();
    });
  }

  post(message: Request): void {
    if (this.#dead) return;
    this.#send(encode(message));
  }

  /** Marks the channel dead and rejects everything waiting. Idempotent. */
  fail(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#outbox = [];
    this.#conn?.close();
  }

  close(reason: Error): void {
    this.fail(reason);
  }

  #send(message: Buffer): void {
    if (this.#conn) {
      try {
        this.#conn.sendBytes(message);
      } catch (error) {
        this.fail(this.#gone(error));
      }
      return;
    }
    this.#outbox.push(message);
    this.#ensureConnecting();
  }

  #ensureConnecting(): void {
    if (this.#connecting || this.#conn) return;
    this.#connecting = Client({ address: this.address, authkey: this.#authkey })
      .then((conn) => {
        this.#conn = conn;
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

  /** Reads replies while any request waits for one. */
  #pump(): void {
    if (this.#pumping || !this.#conn || this.#pending.size === 0) return;
    this.#pumping = true;
    const conn = this.#conn;
    const loop = async (): Promise<void> => {
      while (this.#pending.size > 0 && !this.#dead) {
        const reply = await conn.recv<Reply>();
        const pending = this.#pending.get(reply.id);
        if (!pending) continue; // its caller timed out already
        this.#pending.delete(reply.id);
        if (pending.timer) clearTimeout(pending.timer);
        pending.resolve(reply);
      }
    };
    loop()
      .catch((error: unknown) => this.fail(this.#gone(error)))
      .finally(() => {
        this.#pumping = false;
        this.#pump();
      });
  }
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
