import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

/**
 * Three builds: the package (ESM + CJS + types); its internal entry, which imports `Pool` from the
 * package's main entry rather than a copy of its own; and the worker loop, a CommonJS file of its
 * own that every pool worker imports by URL at start (a CommonJS entry starts faster than an ES
 * module one, and the worker does not need the parent's half: scheduling, results, iterators).
 */
export default defineConfig([
  packageBuild(['src/index.ts']),
  packageBuild(['src/internal.ts'], {
    clean: false,
    esbuildPlugins: [
      {
        name: 'pool-from-main-entry',
        setup(build) {
          build.onResolve({ filter: /^\.\/pool\.js$/ }, () => ({
            path: '@multiproc/pool',
            external: true,
          }));
        },
      },
    ],
  }),
  packageBuild(['src/worker.ts'], {
    format: ['cjs'],
    dts: false,
    clean: false,
    // Whitespace and syntax only, as the child bootstrap's build: every worker keeps its source in
    // memory for V8's lazy compilation, and a comment's one non-ASCII character (an ellipsis)
    // would make V8 hold all of it as two-byte text. Identifiers stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
  }),
]);
