// The command line of multiproc-worker: bad flags are refused with a message and exit code 2,
// before any connection opens.
import { runNode } from '../../../tooling/test-helpers.js';
import { cli } from './helpers.js';

test('missing or bad flags exit 2 with a message that names the flag', async () => {
  const none = await runNode(cli, []);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('multiproc-worker: --redis is required');
  const zero = await runNode(cli, [
    '--redis',
    'redis://127.0.0.1:1',
    '--queue',
    'q',
    '--processes',
    '0',
  ]);
  expect(zero.code).toBe(2);
  expect(zero.stderr).toContain('multiproc-worker: --processes must be a positive integer, got 0');
  const queue = await runNode(cli, ['--redis', 'redis://127.0.0.1:1', '--queue', 'a b']);
  expect(queue.code).toBe(2);
  expect(queue.stderr).toContain(
    'multiproc-worker: options.queue must be a queue name of letters, digits, _ . or -, got "a b" (string)',
  );
  const help = await runNode(cli, ['--help']);
  expect([help.code, help.stdout.split('\n')[0]]).toEqual([
    0,
    'Usage: multiproc-worker --redis URL --queue NAME [options]',
  ]);
});
