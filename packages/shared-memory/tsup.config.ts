import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

// The tracker runs as its own process, started from dist/tracker-main.cjs. The public and the
// internal entry share their modules through chunks (splitting), so that both see one heap, one
// tracker connection and one registration of each shareable type.
export default defineConfig([
  packageBuild(['src/index.ts', 'src/internal.ts'], { splitting: true }),
  packageBuild(['src/tracker-main.ts'], { format: ['cjs'], dts: false, clean: false }),
]);
