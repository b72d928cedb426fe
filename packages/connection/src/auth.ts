/**
 * The HMAC challenge both ends of a `Listener`/`Client` connection use to prove they know the
 * authentication key, without sending it (Python 3.12's scheme):
 *
 * ```
 *  deliverChallenge                          answerChallenge
 *  ── "#CHALLENGE#{sha256}" + 40 random ──▶
 *  ◀── "{sha256}" + HMAC(key, "{sha256}"+random) ──
 *  ── "#WELCOME#" or "#FAILURE#" ──────────▶
 * ```
 *
 * Python 3.8-3.11 speak the legacy form: a challenge of 20 random bytes with no `{digest}`
 * prefix, answered by the raw 16-byte HMAC-MD5 of it. As CPython ≥ 3.12 does, both sides tell the
 * forms apart by length (a legacy challenge is 20 bytes, a legacy answer 16; a prefixed one is
 * longer) and accept either, so every supported Python can talk to us in both directions.
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
/** Python 3.8-3.11: a challenge of 20 bytes, answered by a raw HMAC-MD5 of 16. */
const kLegacyChallengeLength = 20;
const kLegacyAnswerLength = 16;
/** Digests a prefixed challenge or answer may name (CPython's `_ALLOWED_DIGESTS`). */
const kAllowedDigests = new Set(['md5', 'sha256', 'sha384', 'sha3_256', 'sha3_384']);
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

function hmac(algorithm: string, key: Buffer, message: Buffer): Buffer | undefined {
  try {
    return createHmac(algorithm.replace('_', '-'), key).update(message).digest();
  } catch {
    return undefined; // not available here (MD5 under FIPS)
  }
}

/**
 * The digest a challenge or answer uses and the bytes after its `{digest}` prefix; `''` for the
 * legacy unprefixed form (HMAC-MD5).
 */
function digestOf(message: Buffer): { name: string; payload: Buffer } | undefined {
  if (message.length === kLegacyChallengeLength || message.length === kLegacyAnswerLength) {
    return { name: '', payload: message };
  }
  if (message[0] !== 0x7b /* { */) return undefined;
  const close = message.indexOf(0x7d /* } */, 1);
  if (close < 0 || close >= 20) return undefined;
  const name = message.subarray(1, close).toString('latin1');
  if (!kAllowedDigests.has(name)) return undefined;
  return { name, payload: message.subarray(close + 1) };
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
  const answer = digestOf(response);
  const expected = answer && hmac(answer.name || 'md5', key, message);
  const ok =
    answer !== undefined &&
    expected !== undefined &&
    expected.length === answer.payload.length &&
    timingSafeEqual(answer.payload, expected);
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
  const challenge = digestOf(message);
  if (!challenge) {
    throw new AuthenticationError(
      'authentication failed: the challenge names no digest we know, and is not a legacy (Python 3.8-3.11) one',
    );
  }
  let name = challenge.name;
  let answer = name === '' ? hmac('md5', key, message) : undefined;
  if (!answer) {
    // A legacy peer without MD5 here: answer as CPython does, with SHA-256 (it will likely refuse).
    name ||= 'sha256';
    answer = hmac(name, key, message);
    if (!answer) {
      throw new AuthenticationError(`authentication failed: digest ${name} is not available here`);
    }
    answer = Buffer.concat([Buffer.from(`{${name}}`), answer]);
  }
  conn.sendBytes(answer);
  const verdict = await receive(conn, 'verdict on our answer');
  if (!verdict.equals(kWelcome)) {
    throw new AuthenticationError('authentication failed: the digest we sent was rejected');
  }
}
