// Shared tsup settings: ESM + CJS + declarations for Node 20.
import type { Options } from 'tsup';

export function packageBuild(entry: string[], overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    splitting: false,
    shims: true,
    keepNames: true,
    ...overrides,
  };
}
