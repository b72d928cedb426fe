// See tooling/test-helpers.ts; this package's segments are multiproc's own, not `mp_test_…`.
import { fixturesIn, multiprocShmNames } from '../../../tooling/test-helpers.js';

export * from '../../../tooling/test-helpers.js';
export const fixture = fixturesIn(__dirname);
export const shmNames = multiprocShmNames;
