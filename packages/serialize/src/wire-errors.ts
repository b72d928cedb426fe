/**
 * Errors that carry the facts their callers act on, so that no caller reads them out of a
 * message. Both stay `TypeError`s (what users have always caught), with an `ERR_MP_*` code.
 *
 * `instanceof` checks the code, not the prototype chain: the ESM and CommonJS builds of this
 * package may both be loaded (a pool worker loads the CommonJS one), each with its own class.
 */

function hasCode(value: unknown, code: string): boolean {
  return value instanceof Error && (value as { code?: unknown }).code === code;
}

/**
 * `decode` met a value whose class lives in an ES module that cannot be loaded synchronously:
 * decode the same bytes with `decodeAsync`, which imports it first.
 *
 * @example
 * ```ts
 * try { value = decode(bytes) } catch (e) { if (e instanceof NeedsImportError) value = await decodeAsync(bytes); else throw e }
 * ```
 */
export class NeedsImportError extends TypeError {
  /** `'ERR_MP_NEEDS_IMPORT'`. */
  readonly code = 'ERR_MP_NEEDS_IMPORT';

  /** @param url - the module that must be imported. */
  constructor(
    message: string,
    /** The module that must be imported. */
    readonly url: string,
  ) {
    super(message);
  }

  /** Whether `value` is one, from either build of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasCode(value, 'ERR_MP_NEEDS_IMPORT');
  }
}

/**
 * An item of a call cannot be sent. `index` is its position in the whole call, `path` how the
 * message names it (`items[3].handler`).
 *
 * @example
 * ```ts
 * try { encodeItems(items) } catch (e) { if (e instanceof UnsendableError) submit(items.slice(0, e.index)) }
 * ```
 */
export class UnsendableError extends TypeError {
  /** `'ERR_MP_UNSENDABLE'`. */
  readonly code = 'ERR_MP_UNSENDABLE';
  /** The item's position in its call. */
  readonly index: number;

  /** @param index - the item's position in its call. */
  constructor(message: string, index: number) {
    super(message);
    this.index = index;
  }

  /** Whether `value` is one, from either build of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasCode(value, 'ERR_MP_UNSENDABLE');
  }
}
