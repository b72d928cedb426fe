import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

const require = createRequire(import.meta.url);
const serializeDist = dirname(require.resolve('@multiproc/serialize/decode'));

/**
 * Modules on the child's start path import `#serialize-resolve` (function resolution and
 * `sharedState`) and, in `child-decode.ts` only, `#serialize` (the decoder). The main bundle
 * maps both to the full `@multiproc/serialize`, external. The child build inlines the matching
 * parts of serialize instead: a child then loads one small file and resolves no package at all,
 * and loads the decoder only for a msgpack start payload. Measured per start: package resolution
 * 3-4 ms, the decoder 2-3 ms. The copies share their state through `sharedState`.
 */
function serializeAs(mode: 'external' | 'inline'): NonNullable<Options['esbuildPlugins']>[number] {
  return {
    name: 'serialize-alias',
    setup(build) {
      build.onResolve({ filter: /^#serialize(-resolve)?$/ }, ({ path }) => {
        if (mode === 'external') return { path: '@multiproc/serialize', external: true };
        const entry = path === '#serialize' ? 'decode-entry.js' : 'resolve-entry.js';
        return { path: join(serializeDist, entry) };
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
