/**
 * The HMAC challenge both ends of a `Listener`/`Client` connection use to prove they know the
 * authentication key, without sending it (Python 3.12's scheme, HMAC-SHA256 only):
 *
 * ```
 *  deliverChallenge                          answerChallenge
 *  ── "#CHALLENGE#{sha256}" + 40 random ──▶
 *  ◀── "{sha256}" + HMAC(key, "{sha256}"+random) ──
 *  ── "#WELCOME#" or "#FAILURE#" ──────────▶
 * ```
 *
 * A listener delivers, then answers; a client answers, then delivers, so each side proves the
 * key to the other. Every handshake frame is read with `recvBytes(256)`, and on a guarded
 * connection (a listener's before authentication) each read asks for exactly the bytes the
 * frame lacks, so a peer without the key can make a listener read at most 260 bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, invalidArgument } from '@multiproc/serialize';
import { Connection } from './connection.js';

/**
 * An authentication key: bytes, or a string taken as UTF-8.
 *
 * @example
 * ```ts
 * const key: AuthKey = crypto.randomBytes(32); // or 'secret password'
 * ```
 */
export type AuthKey = Buffer | Uint8Array | string;

const kChallenge = Buffer.from('#CHALLENGE#');
const kWelcome = Buffer.from('#WELCOME#');
const kFailure = Buffer.from('#FAILURE#');
const kDigestPrefix = Buffer.from('{sha256}');
const kDigestLength = 32;
/** Random bytes in a challenge (Python's `MESSAGE_LENGTH`). */
const kMessageLength = 40;
/** Longest handshake frame either side reads (Python's `recv_bytes(256)`). */
const kMaxHandshakeFrame = 256;

/** The key as bytes; throws a `TypeError` naming `path` for anything else. */
export function toAuthKey(authkey: unknown, path = 'authkey'): Buffer {
  if (typeof authkey === 'string') return Buffer.from(authkey, 'utf8');
  if (Buffer.isBuffer(authkey)) return authkey;
  if (authkey instanceof Uint8Array)
    return Buffer.from(authkey.buffer, authkey.byteOffset, authkey.byteLength);
  throw invalidArgument(path, 'a Buffer, Uint8Array or string', authkey);
}

function digest(key: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', key).update(message).digest();
}

async function receive(conn: Connection, what: string): Promise<Buffer> {
  try {
    return await conn.recvBytes(kMaxHandshakeFrame);
  } catch (error) {
    throw new AuthenticationError(`authentication failed: could not read the ${what}`, {
      cause: error,
    });
  }
}

function checkConnection(conn: unknown): asserts conn is Connection {
  if (!(conn instanceof Connection)) throw invalidArgument('conn', 'a Connection', conn);
}

/**
 * Sends a random challenge and checks the peer's HMAC of it: the peer must know `authkey`.
 * Sends `#WELCOME#` on success; `#FAILURE#` then rejects with `AuthenticationError` otherwise.
 *
 * @example
 * ```ts
 * await deliverChallenge(conn, 'secret password');
 * await answerChallenge(conn, 'secret password');
 * ```
 */
export async function deliverChallenge(conn: Connection, authkey: AuthKey): Promise<void> {
  checkConnection(conn);
  const key = toAuthKey(authkey);
  const message = Buffer.concat([kDigestPrefix, randomBytes(kMessageLength)]);
  conn.sendBytes(Buffer.concat([kChallenge, message]));
  const response = await receive(conn, 'answer to our challenge');
  const expected = digest(key, message);
  const ok =
    response.length === kDigestPrefix.length + kDigestLength &&
    response.subarray(0, kDigestPrefix.length).equals(kDigestPrefix) &&
    timingSafeEqual(response.subarray(kDigestPrefix.length), expected);
  if (!ok) {
    try {
      conn.sendBytes(kFailure);
    } catch {
      // The peer is already gone.
    }
    throw new AuthenticationError('authentication failed: the digest received was wrong');
  }
  conn.sendBytes(kWelcome);
}

/**
 * Answers the peer's challenge with an HMAC made with `authkey`, then waits for its verdict;
 * rejects with `AuthenticationError` unless the peer welcomes us.
 *
 * @example
 * ```ts
 * await answerChallenge(conn, Buffer.from('secret password'));
 * await deliverChallenge(conn, Buffer.from('secret password'));
 * ```
 */
export async function answerChallenge(conn: Connection, authkey: AuthKey): Promise<void> {
  checkConnection(conn);
  const key = toAuthKey(authkey);
  const frame = await receive(conn, 'challenge');
  if (!frame.subarray(0, kChallenge.length).equals(kChallenge)) {
    throw new AuthenticationError('authentication failed: protocol error, expected a challenge');
  }
  const message = frame.subarray(kChallenge.length);
  if (
    message.length < kDigestPrefix.length + 20 ||
    !message.subarray(0, kDigestPrefix.length).equals(kDigestPrefix)
  ) {
    throw new AuthenticationError(
      'authentication failed: the challenge is not an HMAC-SHA256 one (a Python before 3.12?)',
    );
  }
  conn.sendBytes(Buffer.concat([kDigestPrefix, digest(key, message)]));
  const verdict = await receive(conn, 'verdict on our answer');
  if (!verdict.equals(kWelcome)) {
    throw new AuthenticationError('authentication failed: the digest we sent was rejected');
  }
}
