import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

/**
 * Three builds: the package (ESM + CJS + types); the chunk runner, a CommonJS file of its own that
 * the worker command's local pool processes import by URL (they need none of the caller's half);
 * and the `multiproc-worker` command.
 */
export default defineConfig([
  packageBuild(['src/index.ts']),
  packageBuild(['src/runner.ts'], { format: ['cjs'], dts: false, clean: false }),
  packageBuild(['src/cli.ts'], {
    format: ['cjs'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
