// The one timeout rule and the timer behind every wait: undefined/null wait forever, 0 or less
// does not wait, NaN and non-numbers throw naming the option; a timer of 2^31 ms or more (past
// Node's limit, where a plain setTimeout fires after 1 ms) does not fire early.
import { MAX_TIMER_DELAY, checkTimeout, setLongTimeout } from '@multiproc/native';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('checkTimeout', () => {
  it('maps every timeout to milliseconds by one rule', () => {
    expect(
      [undefined, null, Infinity, 0, -0, -5, -Infinity, 2.5, 2 ** 31, 1e12].map((t) =>
        checkTimeout(t, 'options.timeout'),
      ),
    ).toEqual([Infinity, Infinity, Infinity, 0, 0, 0, 0, 2.5, 2 ** 31, 1e12]);
  });

  it('throws a TypeError naming the option for NaN and non-numbers', () => {
    for (const [bad, shown] of [
      [NaN, 'NaN (number)'],
      ['10', '"10" (string)'],
      [10n, '10n (bigint)'],
      [{}, 'an object'],
    ] as const) {
      expect(() => checkTimeout(bad, 'options.timeout')).toThrow(
        new TypeError(
          `options.timeout must be a number of milliseconds, or null to wait forever, got ${shown}`,
        ),
      );
    }
    expect(() => checkTimeout('x')).toThrow(/^timeout must be/);
  });
});

describe('setLongTimeout', () => {
  it('does not fire within 500 ms for 2^31 ms, 1e12 ms or Infinity, where setTimeout would', async () => {
    const fired: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const timers = [
      setLongTimeout(() => fired.push('2^31'), 2 ** 31),
      setLongTimeout(() => fired.push('1e12'), 1e12),
      setLongTimeout(() => fired.push('Infinity'), Infinity),
      setLongTimeout(() => fired.push('max'), MAX_TIMER_DELAY),
    ];
    await sleep(500);
    for (const timer of timers) timer.clear();
    process.off('warning', onWarning);
    expect(fired).toEqual([]);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('fires short timers once, in order, and not after clear()', async () => {
    const fired: string[] = [];
    setLongTimeout(() => fired.push('b'), 30);
    setLongTimeout(() => fired.push('a'), 5);
    setLongTimeout(() => fired.push('now'), 0);
    const cleared = setLongTimeout(() => fired.push('cleared'), 10);
    cleared.clear();
    cleared.clear();
    await sleep(100);
    expect(fired).toEqual(['now', 'a', 'b']);
  });

  it('an unref()ed long timer does not keep a process alive, nor does a cleared one', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = (body: string): string =>
      `const { setLongTimeout } = require(${JSON.stringify(require.resolve('@multiproc/native'))}); ${body}`;
    const unrefed = spawnSync(
      process.execPath,
      ['-e', script('setLongTimeout(() => process.exit(3), 2 ** 31).unref();')],
      { timeout: 10_000 },
    );
    expect(unrefed.status).toBe(0);
    const cleared = spawnSync(
      process.execPath,
      [
        '-e',
        script(
          'const t = setLongTimeout(() => process.exit(3), 2 ** 31); setTimeout(() => { t.clear(); console.log("cleared"); }, 200);',
        ),
      ],
      { timeout: 10_000, encoding: 'utf8' },
    );
    expect([cleared.status, cleared.stdout.trim()]).toEqual([0, 'cleared']);
  });
});
