import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

const require = createRequire(import.meta.url);
const serializeDist = dirname(require.resolve('@multiproc/serialize/decode'));

/**
 * Modules on the child's start path import `#serialize-resolve` (function resolution and
 * `sharedState`) and, in `child-decode.ts` only, `#serialize` (the decoder). The main bundle
 * maps both to the full `@multiproc/serialize`, external. The child build inlines the resolving
 * part instead (measured per start: package resolution 3-4 ms); the copies share their state
 * through `sharedState`. The decoder stays external (see the plugin).
 */
function serializeAs(mode: 'external' | 'inline'): NonNullable<Options['esbuildPlugins']>[number] {
  return {
    name: 'serialize-alias',
    setup(build) {
      build.onResolve({ filter: /^#serialize(-resolve)?$/ }, ({ path }) => {
        // The decoder is the full package's: the bootstrap has loaded it already (its control
        // channel's errors come from it), so a copy of its receiving half would be a second one.
        if (mode === 'external' || path === '#serialize')
          return { path: '@multiproc/serialize', external: true };
        return { path: join(serializeDist, 'resolve-entry.js') };
      });
    },
  };
}

export default defineConfig([
  packageBuild(['src/index.ts', 'src/internal.ts'], { esbuildPlugins: [serializeAs('external')] }),
  packageBuild(['src/child-entry.ts', 'src/child-decode.ts'], {
    format: ['cjs'],
    clean: false,
    dts: false,
    // Whitespace and syntax only: identifiers stay readable in a child's stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    esbuildPlugins: [serializeAs('inline')],
  }),
]);
