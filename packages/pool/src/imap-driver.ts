/**
 * What stands behind an `IMapIterator`: the local pool's imap job, or another engine's (the
 * distributed pool's). The iterator's methods look their driver up here. The table is shared by
 * every loaded copy of this file (the package's entry and its `internal` entry are separate
 * bundles), so an iterator made through either entry works with the class users import.
 */
import { sharedState } from '@multiproc/serialize';

/** The engine's half of an imap call. */
export interface IMapDriver {
  /** The next result, or a rejection with the item's error or the error that ended iteration. */
  next(timeout: number | null | undefined): Promise<IteratorResult<unknown>>;
  /** Stops the iteration: the source is closed and pending `next()` calls resolve as done. */
  return(): void;
}

const drivers = sharedState('pool.imapDrivers', () => new WeakMap<object, IMapDriver>());

/** The driver behind an iterator made by {@link makeIterator}. */
export function driverOf(iterator: object): IMapDriver {
  return drivers.get(iterator) as IMapDriver;
}

/**
 * An object of the iterator class (`prototype`) backed by `driver`. The class's constructor is
 * private, so that the public type offers none.
 */
export function makeIterator<I extends object>(prototype: I, driver: IMapDriver): I {
  const iterator = Object.create(prototype) as I;
  drivers.set(iterator, driver);
  return iterator;
}
