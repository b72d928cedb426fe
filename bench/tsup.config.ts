import { defineConfig } from 'tsup';
import { packageBuild } from '../tooling/tsup.js';

// ESM only: the harness loads case descriptors (`cases/*/case.mjs`) with `import()`, which a
// CommonJS build would turn into `require()` of an ES module.
export default defineConfig(packageBuild(['src/index.ts', 'src/cli.ts'], { format: ['esm'] }));
