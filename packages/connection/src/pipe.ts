/**
 * `Pipe()`: two connections over a Unix socket pair, like Python's `multiprocessing.Pipe`.
 *
 * Node cannot create a socket pair synchronously, so it comes from `@multiproc/native`
 * (`socketpair()`: AF_UNIX, SOCK_STREAM, close-on-exec), loaded on the first call.
 */
import { createRequire } from 'node:module';
import { ProcessError, invalidArgument } from '@multiproc/serialize';
import { Connection, connectionInternals } from './connection.js';

type SocketPair = () => [number, number];

const nodeRequire = createRequire(import.meta.url);
let socketpair: SocketPair | undefined;

function loadSocketpair(): SocketPair {
  if (socketpair) return socketpair;
  let native: { socketpair?: unknown };
  try {
    native = nodeRequire('@multiproc/native') as { socketpair?: unknown };
  } catch (error) {
    throw new ProcessError(
      'Pipe() needs @multiproc/native (its socketpair()), which could not be loaded; install it beside @multiproc/connection, or use Listener/Client',
      'ERR_MP_NATIVE',
      { cause: error },
    );
  }
  if (typeof native.socketpair !== 'function') {
    throw new ProcessError(
      'Pipe() needs socketpair() from @multiproc/native, and the installed version lacks it; upgrade @multiproc/native',
      'ERR_MP_NATIVE',
    );
  }
  socketpair = native.socketpair as SocketPair;
  return socketpair;
}

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
  const [a, b] = loadSocketpair()();
  const { create } = connectionInternals();
  const first = create({ fd: a }, { readable: true, writable: duplex, kind: 'pipe' });
  const second = create({ fd: b }, { readable: duplex, writable: true, kind: 'pipe' });
  return [first, second];
}
