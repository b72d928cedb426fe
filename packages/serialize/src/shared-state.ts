/**
 * Process-wide state shared by every copy of this package that is loaded at once.
 *
 * A program may load both the ESM and the CommonJS build of multiproc (an ESM main script whose
 * target lives in a `.cjs` file, say). Module-level singletons would then exist twice; keeping
 * them on `globalThis` under a registered symbol makes both copies see one registry.
 */
export function sharedState<T>(key: string, create: () => T): T {
  const symbol = Symbol.for(`multiproc.${key}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[symbol];
  if (value === undefined) {
    value = create();
    Object.defineProperty(globalThis, symbol, { value, enumerable: false, configurable: true });
  }
  return value;
}
