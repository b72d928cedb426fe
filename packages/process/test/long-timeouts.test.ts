// proc.join(timeout) with a timeout of 2^31 ms or more (past Node's timer limit, where a plain
// setTimeout fires after 1 ms) waits for the child instead of resolving at once.
import { Process } from '@multiproc/process';
import { killLeftovers } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

afterEach(killLeftovers);

describe.each([2 ** 31, 1e12])('join() with a timeout of %d ms', (timeout) => {
  it('resolves once the child exits, not before', async () => {
    const p = new Process({ target: targets['sleep'], args: [600] });
    p.start();
    await p.join(timeout);
    expect(p.exitcode).toBe(0);
    expect(p.isAlive()).toBe(false);
    p.close();
  });
});

it('join(0) and join(-1) do not wait; join(null) waits for the exit', async () => {
  const p = new Process({ target: targets['sleep'], args: [300] });
  p.start();
  await p.join(0);
  await p.join(-1);
  expect(p.exitcode).toBe(null);
  await p.join(null);
  expect(p.exitcode).toBe(0);
  p.close();
});
