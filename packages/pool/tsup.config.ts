import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

/**
 * Two builds: the package (ESM + CJS + types) and the worker loop, a CommonJS file of its own that
 * every pool worker imports by URL at start (a CommonJS entry starts faster than an ES module one,
 * and the worker does not need the parent's half: scheduling, results, iterators).
 */
export default defineConfig([
  packageBuild(['src/index.ts']),
  packageBuild(['src/worker.ts'], { format: ['cjs'], dts: false, clean: false }),
  packageBuild(['src/internal.ts'], { clean: false }),
]);
