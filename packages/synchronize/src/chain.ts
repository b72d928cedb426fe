/**
 * Which async chain is running, for `RLock` ownership.
 *
 * A thread runs many async chains, interleaved at each `await`; a lock held across an `await`
 * must keep the other chains out as it keeps other threads out. The shared state word names the
 * owning thread (owner.ts); the owning chain's number sits beside it (mutex.ts), and only the
 * owning thread ever reads it. A chain is an `AsyncLocalStorage` scope: `withLock` opens one when
 * the caller is in none, and everything that runs inside it, across awaits, sees the same number.
 * Code outside every scope (a module's top level, a plain callback) is chain 0, as a whole
 * thread was before: `await lock.acquire()` there cannot open a scope for its caller.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sharedState } from '@multiproc/serialize';

interface Chains {
  readonly store: AsyncLocalStorage<number>;
  last: number;
}

// One store per thread for both builds of this package, so that their locks agree on the chain.
const chains = sharedState<Chains>('asyncChains', () => ({
  store: new AsyncLocalStorage<number>(),
  last: 0,
}));

/** The running chain; 0 outside every scope. */
export function currentChain(): number {
  return chains.store.getStore() ?? 0;
}

/** Runs `fn` as a new chain. */
export function inNewChain<R>(fn: () => R): R {
  chains.last = (chains.last + 1) & 0x3fffffff || 1;
  return chains.store.run(chains.last, fn);
}
