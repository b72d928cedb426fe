import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

/**
 * Modules on the child's start path import `#serialize`. The main bundle maps it to the full
 * `@multiproc/serialize`; the child bundle to its receiving half, `@multiproc/serialize/decode`,
 * which a child compiles in a third of the time.
 */
function serializeAs(target: string): NonNullable<Options['esbuildPlugins']>[number] {
  return {
    name: 'serialize-alias',
    setup(build) {
      build.onResolve({ filter: /^#serialize$/ }, () => ({ path: target, external: true }));
    },
  };
}

export default defineConfig([
  packageBuild(['src/index.ts'], { esbuildPlugins: [serializeAs('@multiproc/serialize')] }),
  packageBuild(['src/child-entry.ts'], {
    clean: false,
    dts: false,
    esbuildPlugins: [serializeAs('@multiproc/serialize/decode')],
  }),
]);
