/**
 * `@multiproc/connection`: `Pipe`, `Connection`, `Listener`/`Client` with HMAC authentication,
 * and `wait()`: Python's `multiprocessing.connection` for Node.js.
 *
 * @packageDocumentation
 */
export { Connection, type BytesLike } from './connection.js';
export { Pipe } from './pipe.js';
export { Client, Listener, type ClientOptions, type ListenerOptions } from './listener.js';
export { answerChallenge, deliverChallenge, type AuthKey } from './auth.js';
export { wait, type Waitable } from './wait.js';
export type { Address, Family } from './address.js';
export { AuthenticationError, BufferTooShort, EOFError } from '@multiproc/serialize';
