// Hostile peers against an authenticating Listener: random bytes, cut frames, huge length
// prefixes, forged digests, wrong keys and slow trickles from many sockets. The listener must
// never crash, never let a peer without the key in, never allocate what a header claims, and go
// on serving good clients throughout.
import { createHmac } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import * as fc from 'fast-check';
import { AuthenticationError, Client, Listener, type Connection } from '@multiproc/connection';
import { sleep } from './helpers.js';

const KEY = 'the fuzz key';
const HANDSHAKE_MS = 1000;

let listener: Listener;
const stats = { accepted: 0, refused: 0, unexpected: [] as unknown[] };
const served: Connection[] = [];
let serving: Promise<void>;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

/** Accepts forever; echoes on every accepted connection. */
async function serve(): Promise<void> {
  for (;;) {
    let conn: Connection;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (listener.closed) return;
      if (error instanceof AuthenticationError) stats.refused++;
      else stats.unexpected.push(error);
      continue;
    }
    stats.accepted++;
    served.push(conn);
    void (async () => {
      try {
        for (;;) conn.send(await conn.recv());
      } catch {
        conn.close();
      }
    })();
  }
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  listener = await Listener.listen({ authkey: KEY, handshakeTimeout: HANDSHAKE_MS });
  serving = serve();
});

afterAll(async () => {
  listener.close();
  await serving;
  for (const conn of served) conn.close();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

afterEach(() => {
  expect(stats.unexpected).toEqual([]);
  expect(unhandled).toEqual([]);
});

/** Resolves once `condition()` holds, or fails after `ms`. */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

/** A raw socket to the listener that records what it receives and when it is closed. */
function rawPeer(): { socket: Socket; received: () => Buffer; closed: Promise<void> } {
  const socket = createConnection({ path: listener.address as string });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined); // resets and broken pipes are expected here
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

/** The frames in `bytes` (the listener's side of the conversation). */
function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 4 <= bytes.length;) {
    const n = bytes.readUInt32BE(i);
    out.push(bytes.subarray(i + 4, i + 4 + n));
    i += 4 + n;
  }
  return out;
}

/** Sends `bytes` (then ends, unless told not to) and waits for the listener to hang up. */
async function attack(bytes: Buffer): Promise<Buffer[]> {
  const peer = rawPeer();
  const before = stats.refused;
  peer.socket.end(bytes);
  const started = performance.now();
  await peer.closed;
  expect(performance.now() - started).toBeLessThan(HANDSHAKE_MS + 1000);
  await until(() => stats.refused > before);
  const got = frames(peer.received());
  expect(String(got[0]?.subarray(0, 19))).toBe('#CHALLENGE#{sha256}');
  for (const f of got) expect(String(f)).not.toBe('#WELCOME#');
  return got;
}

/** A good client must still get in and be served. */
async function goodClientWorks(): Promise<void> {
  const conn = await Client({ address: listener.address, authkey: KEY });
  conn.send({ still: 'served' });
  expect(await conn.recv()).toEqual({ still: 'served' });
  conn.close();
}

describe('an authenticating listener under attack', () => {
  it('survives random bytes', async () => {
    const accepted = stats.accepted;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 1500 }), async (bytes) => {
        await attack(Buffer.from(bytes));
      }),
      { numRuns: 60 },
    );
    expect(stats.accepted).toBe(accepted);
    await goodClientWorks();
  });

  it('survives frames cut short', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 256 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.uint8Array({ minLength: 0, maxLength: n - 1 })),
          ),
        async ([n, partial]) => {
          const header = Buffer.alloc(4);
          header.writeUInt32BE(n);
          await attack(Buffer.concat([header, Buffer.from(partial)]));
        },
      ),
      { numRuns: 40 },
    );
    await goodClientWorks();
  });

  it('refuses huge length prefixes on the header alone, without allocating them', async () => {
    const memoryBefore = process.memoryUsage().arrayBuffers;
    const tail = Buffer.alloc(1024 * 1024, 0x41);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 257, max: 0xfffffffe }).map((n) => {
            const header = Buffer.alloc(4);
            header.writeUInt32BE(n);
            return header;
          }),
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => {
            const header = Buffer.alloc(12);
            header.writeUInt32BE(0xffffffff);
            header.writeBigUInt64BE(n, 4);
            return header;
          }),
        ),
        async (header) => {
          const peer = rawPeer();
          const before = stats.refused;
          // Two writes, not a concatenation: the memory check below must count only what the
          // listener allocates, not a fresh 1 MiB buffer per run on this (the client's) side.
          peer.socket.write(header);
          peer.socket.write(tail);
          const started = performance.now();
          await until(() => stats.refused > before);
          // Refused on the header alone, well before any timeout.
          expect(performance.now() - started).toBeLessThan(HANDSHAKE_MS / 2);
          await peer.closed;
        },
      ),
      { numRuns: 40 },
    );
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(16 * 1024 * 1024);
    await goodClientWorks();
  });

  it('never lets in a forged or wrongly keyed digest', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ({ random: Buffer.from(b) })),
          fc
            .string({ maxLength: 30 })
            .filter((k) => k !== KEY)
            .map((key) => ({ key })),
        ),
        async (forgery) => {
          const peer = rawPeer();
          const before = stats.refused;
          await until(() => peer.received().length >= 4 + 59);
          const challenge = (frames(peer.received())[0] as Buffer).subarray(11);
          const digest =
            'random' in forgery
              ? forgery.random
              : createHmac('sha256', forgery.key).update(challenge).digest();
          peer.socket.write(frame(Buffer.concat([Buffer.from('{sha256}'), digest])));
          await peer.closed;
          await until(() => stats.refused > before);
          const got = frames(peer.received()).map(String);
          expect(got.slice(1)).toEqual(['#FAILURE#']);
        },
      ),
      { numRuns: 40 },
    );
    await goodClientWorks();
  });

  it('refuses clients with a wrong key, on both sides', async () => {
    const accepted = stats.accepted;
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }))
          .filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(KEY)) !== 0),
        async (key) => {
          const before = stats.refused;
          await expect(Client({ address: listener.address, authkey: key })).rejects.toThrow(
            AuthenticationError,
          );
          await until(() => stats.refused > before);
        },
      ),
      { numRuns: 40 },
    );
    expect(stats.accepted).toBe(accepted);
  });

  it('keeps serving good clients while many sockets trickle bytes', async () => {
    const slow = Array.from({ length: 60 }, () => rawPeer());
    const timers = slow.map((peer, i) => {
      let sent = 0;
      // A valid-looking 256-byte frame, one byte per 50 ms: it would take 13 s to finish.
      const bytes = frame(Buffer.alloc(256, i));
      return setInterval(() => {
        if (sent < bytes.length && !peer.socket.destroyed)
          peer.socket.write(bytes.subarray(sent, ++sent));
      }, 50);
    });
    try {
      const before = stats.refused;
      const started = performance.now();
      await Promise.all(Array.from({ length: 20 }, () => goodClientWorks()));
      expect(performance.now() - started).toBeLessThan(HANDSHAKE_MS);
      // Every trickler is cut off by the handshake timeout.
      await Promise.all(slow.map((peer) => peer.closed));
      expect(performance.now() - started).toBeLessThan(HANDSHAKE_MS + 1500);
      await until(() => stats.refused >= before + 60);
      expect(stats.refused).toBe(before + 60);
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const peer of slow) peer.socket.destroy();
    }
    await goodClientWorks();
  });
});
