/**
 * The pool's end of the data channel: a Unix socket server in a private temporary directory
 * (created 0700 by `mkdtemp`, so only this user can connect), and the connections of its workers.
 *
 * Why not Node's IPC channel: it serializes every message on its own (JSON or structured clone)
 * and costs ~23 µs a round trip against ~17 µs for a plain socket (NATIVE-NOTES.md); a socket
 * carries our own frames, written in batches (`writev`) and read without copies. A worker proves
 * it is ours with a random token in its first frame (`Hello`); any other first frame, or a frame
 * that breaks the protocol, ends the connection.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameDecoder } from '@multiproc/serialize';
import { Type, readMessage, type WireMessage } from './protocol.js';

/** A worker's `Hello`: who it says it is, and whether its initializer failed. */
export type Hello = Extract<WireMessage, { type: Type.Hello }>;

/** What the pool does with one authenticated connection. */
export interface Peer {
  /** A message after the `Hello`. */
  onMessage(message: WireMessage): void;
  /** Every frame of one read has been handled (a good moment to schedule). */
  onBatchEnd(): void;
  /** The connection broke the protocol: the worker behind it must go. */
  onProtocolError(): void;
  /** The connection closed. */
  onClose(): void;
}

/**
 * Socket directories of this process's pools. A pool that is never closed (its workers are
 * daemons and do not hold the program open) still removes its directory when the process exits.
 */
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(dir: string): void {
  liveDirs.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

const noop = (): void => undefined;

/** The listening socket of one pool. */
export class PoolServer {
  /** Where workers connect. */
  readonly address: string;
  /** What a worker must present in its `Hello`. */
  readonly token = randomBytes(16);
  readonly #dir: string;
  readonly #server: Server;
  #closed = false;

  /**
   * @param onHello - a worker presented the right token: returns the peer for its connection,
   *   or `undefined` to refuse it (unknown worker id, already connected).
   * @param onError - the server itself failed.
   */
  constructor(
    private readonly onHello: (socket: Socket, hello: Hello) => Peer | undefined,
    onError: (error: Error) => void,
  ) {
    this.#dir = mkdtempSync(join(tmpdir(), 'multiproc-pool-'));
    this.address = join(this.#dir, 's');
    removeAtExit(this.#dir);
    this.#server = createServer((socket) => this.#accept(socket));
    this.#server.on('error', onError);
    // Binding a Unix socket is synchronous: workers may connect as soon as they start.
    this.#server.listen(this.address);
    // The pool decides what keeps the program alive (see Engine); the server never does.
    this.#server.unref();
  }

  /** Stops listening and removes the directory. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      this.#server.close(() => {
        rmSync(this.#dir, { recursive: true, force: true });
        liveDirs.delete(this.#dir);
        resolve();
      });
    });
  }

  #accept(socket: Socket): void {
    socket.unref();
    socket.on('error', noop);
    const decoder = new FrameDecoder();
    let peer: Peer | undefined;
    const reject = (): void => {
      socket.destroy();
      peer?.onProtocolError();
    };
    socket.on('close', () => peer?.onClose());
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch {
        reject();
        return;
      }
      for (const frame of frames) {
        let message: WireMessage;
        try {
          message = readMessage(frame);
        } catch {
          reject();
          return;
        }
        if (peer) {
          peer.onMessage(message);
          continue;
        }
        if (message.type === Type.Hello && this.#authentic(message.token))
          peer = this.onHello(socket, message);
        if (!peer) {
          socket.destroy();
          return;
        }
      }
      peer?.onBatchEnd();
    });
  }

  #authentic(token: Uint8Array): boolean {
    return token.length === this.token.length && timingSafeEqual(token, this.token);
  }
}
