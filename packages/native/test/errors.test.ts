import { MultiprocError, toError } from '@multiproc/native';

describe('toError', () => {
  it('passes an error through unchanged', () => {
    const error = new RangeError('out');
    expect(toError(error)).toBe(error);
  });

  it.each([
    ['boom', '"boom" (string)'],
    [undefined, 'undefined'],
    [42, '42 (number)'],
  ])('wraps a thrown %p in a MultiprocError that keeps it as the cause', (value, described) => {
    const error = toError(value);
    expect(error).toBeInstanceOf(MultiprocError);
    expect((error as MultiprocError).code).toBe('ERR_MP_NON_ERROR_THROWN');
    expect(error.message).toBe(`a non-error value was thrown: ${described}`);
    expect(error.cause).toBe(value);
  });
});
