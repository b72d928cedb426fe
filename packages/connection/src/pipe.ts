/**
 * `Pipe()`: two connections over a Unix socket pair, like Python's `multiprocessing.Pipe`.
 * Node cannot create a socket pair, so it comes from `@multiproc/native` (`socketpair()`:
 * AF_UNIX, SOCK_STREAM, close-on-exec): `Pipe()` is synchronous, as in Python.
 */
import { socketpair } from '@multiproc/native';
import { invalidArgument } from '@multiproc/serialize';
import type { Connection } from './connection.js';
import { connectionInternals } from './connection.js';

/**
 * Two connected `Connection`s. With `duplex` (the default) both ends send and receive; with
 * `duplex = false` the first can only receive and the second only send (`[reader, writer]`),
 * as in Python.
 *
 * @example
 * ```ts
 * import { Pipe, Process, isMainProcess } from 'multiproc';
 *
 * export function f(conn) { conn.send([42, null, 'hello']); conn.close(); }
 *
 * if (isMainProcess()) {
 *   const [parentConn, childConn] = Pipe();
 *   const p = new Process({ target: f, args: [childConn] });
 *   p.start();
 *   console.log(await parentConn.recv()); // [ 42, null, 'hello' ]
 *   await p.join();
 * }
 * ```
 */
export function Pipe(duplex = true): [Connection, Connection] {
  if (typeof duplex !== 'boolean') throw invalidArgument('duplex', 'a boolean', duplex);
  const [a, b] = socketpair();
  const internals = connectionInternals();
  const first = internals.create({ fd: a }, { readable: true, writable: duplex, kind: 'pipe' });
  const second = internals.create({ fd: b }, { readable: duplex, writable: true, kind: 'pipe' });
  return [first, second];
}
