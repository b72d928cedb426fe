// See tooling/test-helpers.ts; the native tests name their segments `mp_test_…`.
import { fixturesIn, shmNamesWhere } from '../../../tooling/test-helpers.js';

export {
  exited,
  nextMessage,
  runNode,
  sleep,
  type RunResult,
} from '../../../tooling/test-helpers.js';
export const fixture = fixturesIn(__dirname);
export const shmNames = (): Set<string> => shmNamesWhere((n) => n.startsWith('mp_test_'));
