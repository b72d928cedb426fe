// The one reading of `{ block, timeout }` that locks and queues share.
import { optionsDeadline } from '@multiproc/native';

describe('optionsDeadline', () => {
  it('maps block and timeout to one attempt, forever, or an absolute time', () => {
    expect(optionsDeadline(undefined)).toBeUndefined();
    expect(optionsDeadline({})).toBeUndefined();
    expect(optionsDeadline({ timeout: null })).toBeUndefined();
    expect(optionsDeadline({ timeout: Infinity })).toBeUndefined();
    expect(optionsDeadline({ block: false })).toBeNull();
    expect(optionsDeadline({ block: false, timeout: 100 })).toBeNull();
    expect(optionsDeadline({ timeout: 0 })).toBeNull();
    expect(optionsDeadline({ timeout: -5 })).toBeNull();
    const before = performance.now();
    const deadline = optionsDeadline({ timeout: 50 })!;
    expect(deadline).toBeGreaterThanOrEqual(before + 50);
    expect(deadline).toBeLessThanOrEqual(performance.now() + 50);
  });

  it('names the bad option', () => {
    expect(() => optionsDeadline(5)).toThrow(
      'options must be an object like { block, timeout }, got 5 (number)',
    );
    expect(() => optionsDeadline({ block: 'no' })).toThrow(
      'options.block must be a boolean, got "no" (string)',
    );
    expect(() => optionsDeadline({ timeout: NaN })).toThrow(
      'options.timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
    );
  });
});
