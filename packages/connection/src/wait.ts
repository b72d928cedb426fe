/**
 * `wait()`: Python's `multiprocessing.connection.wait`, over connections, listeners and
 * promises (a `Process`'s `sentinel` among them).
 */
import { checkTimeout, setLongTimeout, type LongTimer } from '@multiproc/native';
import { invalidArgument, toError } from '@multiproc/serialize';
import { Connection, connectionInternals } from './connection.js';
import { Listener, whenListenerReady } from './listener.js';

/**
 * What `wait()` can wait on: a readable `Connection` (ready when a whole message or end of file
 * is there), a `Listener` (ready when `accept()` would not wait), or a promise such as
 * `process.sentinel` (ready once settled, fulfilled or rejected).
 *
 * @example
 * ```ts
 * const objects: Waitable[] = [conn, listener, p.sentinel];
 * ```
 */
export type Waitable = Connection | Listener | PromiseLike<unknown>;

/**
 * A daemon child's `sentinel` holds the event loop for whoever awaits it; `wait()` watches the
 * plain promise inside, so that having waited on a sentinel does not keep a program alive.
 */
const kUnheld = Symbol.for('multiproc.sentinel.unheld');

/** Settled promises, so each promise gets one reaction however often it is waited on. */
const settled = new WeakMap<PromiseLike<unknown>, { done: boolean; waiters: Set<() => void> }>();

function watchPromise(promise: PromiseLike<unknown>, onReady: () => void): () => void {
  let state = settled.get(promise);
  if (!state) {
    const fresh = { done: false, waiters: new Set<() => void>() };
    state = fresh;
    settled.set(promise, fresh);
    const finish = (): void => {
      fresh.done = true;
      for (const waiter of [...fresh.waiters]) waiter();
      fresh.waiters.clear();
    };
    const watched = (promise as { [kUnheld]?: PromiseLike<unknown> })[kUnheld] ?? promise;
    Promise.resolve(watched).then(finish, finish);
  }
  if (state.done) {
    onReady();
    return () => undefined;
  }
  const waiters = state.waiters;
  waiters.add(onReady);
  return () => waiters.delete(onReady);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Waits until at least one of `objects` is ready, or `timeout` milliseconds pass, and resolves
 * with those that are ready, in their order in `objects` (an empty array after a timeout).
 * `timeout`: `undefined`/`null` waits forever; 0 only looks; negative counts as 0.
 *
 * @example
 * ```ts
 * while (readers.length > 0) {
 *   for (const r of await wait(readers)) {
 *     try { console.log(await r.recv()); } catch (e) { if (e instanceof EOFError) readers.splice(readers.indexOf(r), 1); else throw e; }
 *   }
 * }
 * ```
 */
export function wait<T extends Waitable>(
  objects: Iterable<T>,
  timeout?: number | null,
): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    if (
      objects === null ||
      typeof (objects as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function'
    ) {
      throw invalidArgument(
        'objects',
        'an iterable of Connections, Listeners and promises',
        objects,
      );
    }
    const list = [...objects];
    const ms = checkTimeout(timeout, 'timeout');
    list.forEach((object, i) => {
      if (object instanceof Connection) {
        if (!object.readable)
          throw invalidArgument(`objects[${i}]`, 'a readable Connection', object);
      } else if (!(object instanceof Listener) && !isThenable(object)) {
        throw invalidArgument(`objects[${i}]`, 'a Connection, a Listener or a promise', object);
      }
    });
    const ready = new Set<T>();
    const cancels: (() => void)[] = [];
    let timer: LongTimer | undefined;
    let finished = false;
    let finishing = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      timer?.clear();
      for (const cancel of cancels) cancel();
      resolve(list.filter((object) => ready.has(object)));
    };
    const fail = (error: unknown): void => {
      if (finished) return;
      finished = true;
      timer?.clear();
      for (const cancel of cancels) cancel();
      reject(toError(error));
    };
    const mark = (object: T): void => {
      ready.add(object);
      if (finishing) return;
      finishing = true;
      // Two microtask hops: objects already ready when wait() was called report in the same
      // answer (a settled promise's reaction, a connection's resolved poll), not in the next.
      queueMicrotask(() => queueMicrotask(finish));
    };
    try {
      for (const object of list) {
        if (object instanceof Connection) {
          const { ready: readable, cancel } = connectionInternals().engineOf(object).whenReadable();
          cancels.push(cancel);
          readable.then((yes) => yes && mark(object), fail);
        } else if (object instanceof Listener) {
          cancels.push(whenListenerReady(object, () => mark(object)));
        } else {
          cancels.push(watchPromise(object, () => mark(object)));
        }
      }
    } catch (error) {
      fail(error);
      return;
    }
    if (ms !== Infinity && !finishing) timer = setLongTimeout(finish, ms);
  });
}
