import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.js';

export default defineConfig(packageBuild(['src/index.ts']));
