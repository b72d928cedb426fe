import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

// The tracker runs as its own process, started from dist/tracker-main.cjs. The public and the
// internal entry share their modules through chunks (splitting), so that both see one heap, one
// tracker connection and one registration of each shareable type. A registration names the file
// it sits in (`import.meta.url`) for receivers to load; in CommonJS each file, chunks included,
// gets its own URL here instead of the one shim that splitting would share between them.
export default defineConfig([
  packageBuild(['src/index.ts', 'src/internal.ts'], {
    splitting: true,
    banner: ({ format }) =>
      format === 'cjs'
        ? { js: 'var __fileUrl = require("node:url").pathToFileURL(__filename).href;' }
        : {},
    esbuildOptions(options, { format }) {
      if (format === 'cjs') options.define = { ...options.define, 'import.meta.url': '__fileUrl' };
    },
  }),
  packageBuild(['src/tracker-main.ts'], { format: ['cjs'], dts: false, clean: false }),
]);
