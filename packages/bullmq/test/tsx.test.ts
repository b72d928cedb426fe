// A caller run with tsx passes functions imported from a TypeScript module: they travel by
// module and export name, as they do from plain ES modules, to a worker that loads tsx too.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { runNode } from '../../../tooling/test-helpers.js';
import { useCluster } from './helpers.js';

jest.setTimeout(60_000);

const queue = `q-${randomUUID()}`;
const cluster = useCluster();

test('exported functions of a .ts module run on the worker by reference', async () => {
  await cluster.worker(queue, [], ['--import', 'tsx']);
  const run = await runNode(
    join(__dirname, 'fixtures', 'tsx', 'caller.ts'),
    [cluster.redis.url, queue],
    { execArgv: ['--import', 'tsx'], timeoutMs: 40_000 },
  );
  expect(run.stderr).toBe('');
  // `loaded: true`: the worker imported tasks.ts rather than compiling one function's source.
  expect(run.stdout).toBe('{"squares":[1,4,9],"loaded":true,"file":"c.ts"}\n');
  expect(run.code).toBe(0);
});
