/**
 * Who is calling a referent's method right now, for referents that wait (queues, locks, events):
 * the server sets it around each call so a waiting method can give up when its caller does
 * (timeout, disconnect) instead of later taking an item or a lock for nobody.
 */

/** The caller of the method running now. */
export interface CallContext {
  /** The client connection (locks are owned per connection). */
  readonly owner: number;
  /** Aborted when the call times out or the caller disconnects. */
  readonly signal: AbortSignal;
}

const idle: CallContext = { owner: 0, signal: new AbortController().signal };
let current: CallContext = idle;

/** The caller of the method running now (read it before the method's first `await`). */
export function callContext(): CallContext {
  return current;
}

/** Runs `fn` with `context` as the current caller. */
export function withCallContext<T>(context: CallContext, fn: () => T): T {
  const previous = current;
  current = context;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** A promise that rejects when `signal` aborts, plus a way to stop listening. */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
