import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

// The tracker runs as its own process, started from dist/tracker-main.cjs.
export default defineConfig([
  packageBuild(['src/index.ts']),
  packageBuild(['src/tracker-main.ts'], { format: ['cjs'], dts: false, clean: false }),
]);
