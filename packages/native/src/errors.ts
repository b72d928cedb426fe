/**
 * The base of every multiproc error, and the argument-check helpers. They live here, in the
 * lowest package, so that native's own errors are multiproc errors too; `@multiproc/serialize`
 * re-exports them unchanged with its error classes.
 */

/** Options accepted by every multiproc error constructor. */
export interface MultiprocErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
}

const kBrand = Symbol.for('multiproc.errorBrand');

/**
 * Base class of every error multiproc raises.
 *
 * `instanceof` works across the ESM and CommonJS builds of multiproc loaded side by side, because
 * it checks a brand rather than the prototype chain.
 *
 * @example
 * ```ts
 * try { await q.get({ timeout: 10 }) } catch (e) { if (e instanceof MultiprocError) console.log(e.code) }
 * ```
 */
export class MultiprocError extends Error {
  /** A stable machine-readable code such as `ERR_MP_TIMEOUT`. */
  readonly code: string;

  constructor(message: string, code = 'ERR_MP', options?: MultiprocErrorOptions) {
    super(message, options);
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, this.prototype);
  }
}

function hasBrand(value: unknown, prototype: object): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.isPrototypeOf.call(prototype, value)) return true;
  // A twin class from the other build (ESM vs CommonJS) carries the same brand names.
  // Only a class of ours carries its own brand; a user's subclass matches by prototype alone.
  if (!Object.prototype.hasOwnProperty.call(prototype, kBrand)) return false;
  const wanted = (prototype as { [kBrand]: string })[kBrand];
  for (
    let p = Object.getPrototypeOf(value) as object | null;
    p;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    if (
      Object.prototype.hasOwnProperty.call(p, kBrand) &&
      (p as { [kBrand]: string })[kBrand] === wanted
    )
      return true;
  }
  return false;
}

/**
 * Gives an error class of ours its brand (for `instanceof` across the ESM and CommonJS builds)
 * and its `name`. Internal to multiproc's packages.
 *
 * @example
 * ```ts
 * brandErrorClass(TimeoutError, 'TimeoutError');
 * ```
 */
export function brandErrorClass(cls: { prototype: object; name: string }, name: string): void {
  Object.defineProperty(cls.prototype, kBrand, { value: name });
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

brandErrorClass(MultiprocError, 'MultiprocError');

/**
 * The value a `catch` received, as an `Error`: an error passes unchanged; anything else that was
 * thrown (a string, `undefined`) becomes a `MultiprocError` with code `ERR_MP_NON_ERROR_THROWN`
 * whose `cause` is the original value, so code that settles promises with it still rejects with
 * an `Error` and loses nothing. Internal to multiproc's packages.
 *
 * @example
 * ```ts
 * try { step() } catch (e) { reject(toError(e)) }
 * ```
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new MultiprocError(
    `a non-error value was thrown: ${describeValue(value)}`,
    'ERR_MP_NON_ERROR_THROWN',
    { cause: value },
  );
}

/** Throws a `TypeError` that names the offending option, the expectation and what was received. */
export function invalidArgument(path: string, expected: string, received: unknown): TypeError {
  return new TypeError(`${path} must be ${expected}, got ${describeValue(received)}`);
}

/** A short description of a value for error messages: `0 (number)`, `'x' (string)`, `Foo instance`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)} (string)`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${String(value)}${typeof value === 'bigint' ? 'n' : ''} (${typeof value})`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return `${String(value)} (symbol)`;
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    default: {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      return ctor?.name
        ? `${ctor.name === 'Object' ? 'an object' : `a ${ctor.name} instance`}`
        : 'an object';
    }
  }
}
