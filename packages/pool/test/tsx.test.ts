// A caller run with tsx: functions imported from a TypeScript module travel by module and export
// name, as they do from plain ES modules, and the pool's processes load the module through tsx.
import { join } from 'node:path';
import { runNode } from '../../../tooling/test-helpers.js';

test('exported functions of a .ts module run in the pool by reference', async () => {
  const run = await runNode(join(__dirname, 'fixtures', 'tsx', 'caller.ts'), [], {
    execArgv: ['--import', 'tsx'],
    timeoutMs: 20_000,
  });
  expect(run.stderr).toBe('');
  // `true`: each process imported tasks.ts rather than compiling one function's source.
  expect(run.stdout).toBe('{"squares":[1,4,9],"each":[true,true]}\n');
  expect(run.code).toBe(0);
}, 30_000);
