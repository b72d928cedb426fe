/**
 * The functions a pool's tasks call, each described once (`describeFunction`: by reference, by
 * source, or by global path) and known to workers by a small id. A worker receives a function's
 * description once, before its first task that calls it.
 */
import { describeFunction, encode } from '@multiproc/serialize';

export class FunctionTable {
  readonly #byKey = new Map<string, number>();
  readonly #specs: Buffer[] = [];
  /** The id of each function object already seen: the hot path of a call is one lookup. */
  readonly #byObject = new WeakMap<object, number>();

  /** The id of `fn`; describes it on first use, or throws a `TypeError` naming `path`. */
  idOf(fn: unknown, path: string): number {
    const isObject = (typeof fn === 'object' && fn !== null) || typeof fn === 'function';
    const cached = isObject ? this.#byObject.get(fn) : undefined;
    if (cached !== undefined) return cached;
    const spec = describeFunction(fn, path);
    const key =
      spec.kind === 'ref'
        ? `r ${spec.module}#${spec.name}`
        : spec.kind === 'global'
          ? `g ${spec.path}`
          : `s ${spec.form} ${spec.source}`;
    let id = this.#byKey.get(key);
    if (id === undefined) {
      id = this.#specs.push(encode(spec));
      this.#byKey.set(key, id);
    }
    if (isObject) this.#byObject.set(fn, id);
    return id;
  }

  /** The encoded `FunctionSpec` of an id. */
  specOf(id: number): Buffer {
    return this.#specs[id - 1] as Buffer;
  }
}
