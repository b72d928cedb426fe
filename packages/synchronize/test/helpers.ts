// See tooling/test-helpers.ts; this package's segments are multiproc's own, not `mp_test_…`.
import { fixturesIn, shmNamesWhere } from '../../../tooling/test-helpers.js';

export {
  exited,
  nextMessage,
  runNode,
  sleep,
  type RunResult,
} from '../../../tooling/test-helpers.js';
export const fixture = fixturesIn(__dirname);
export const shmNames = (): Set<string> => shmNamesWhere((n) => !n.startsWith('mp_test_'));
