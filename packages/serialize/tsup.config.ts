import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

const require = createRequire(import.meta.url);
const msgpackrRoot = join(dirname(require.resolve('msgpackr')), '..');

// msgpackr is bundled, pure JS: every child process loads it at start, and one bundled file
// loads in a fraction of the time of msgpackr's module graph plus its optional native string
// extractor (measured 3-4 ms against 11-21 ms). It also keeps our extension types out of any
// msgpackr the user loads. `decode` and `resolve` are smaller entries for child processes.
export default defineConfig(
  packageBuild(['src/index.ts', 'src/decode-entry.ts', 'src/resolve-entry.ts'], {
    noExternal: ['msgpackr'],
    esbuildPlugins: [
      {
        name: 'msgpackr-pure-js',
        setup(build) {
          build.onResolve({ filter: /^msgpackr$/ }, () => ({
            path: join(msgpackrRoot, 'index.js'),
          }));
          build.onResolve({ filter: /^msgpackr\/unpack$/ }, () => ({
            path: join(msgpackrRoot, 'unpack.js'),
          }));
        },
      },
    ],
  }),
);
