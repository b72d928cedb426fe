/**
 * Is a value plain JSON that `JSON.parse(JSON.stringify(v))` gives back exactly? A child started
 * with such a payload need not load the msgpack decoder at all.
 */

/**
 * True when `value` holds only strings, finite numbers (not `-0`), booleans, `null`, plain arrays
 * and plain objects (no `undefined`, no `__proto__` key), and at most `budget` values in all.
 * Gives up (false) beyond the budget rather than walk a large value twice.
 *
 * @example
 * ```ts
 * isJsonSafe(['bob', { n: 1 }]); // true
 * isJsonSafe([new Date()]);      // false
 * ```
 */
export function isJsonSafe(value: unknown, budget = 1000): boolean {
  let left = budget;
  const visit = (v: unknown, depth: number): boolean => {
    if (--left < 0 || depth > 64) return false;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(v) && !(v === 0 && 1 / v < 0);
      case 'object': {
        if (v === null) return true;
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype) return false;
          for (let i = 0; i < v.length; i++) if (!visit(v[i], depth + 1)) return false;
          return true;
        }
        if (Object.getPrototypeOf(v) !== Object.prototype) return false;
        for (const key of Object.keys(v)) {
          if (key === '__proto__' || !visit((v as Record<string, unknown>)[key], depth + 1))
            return false;
        }
        return true;
      }
      default:
        return false;
    }
  };
  return visit(value, 0);
}
