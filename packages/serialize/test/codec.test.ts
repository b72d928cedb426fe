import {
  AbortError,
  BufferTooShort,
  RemoteError,
  TimeoutError,
  WorkerLostError,
  assertSendable,
  decode,
  decodeAsync,
  encode,
} from '@multiproc/serialize';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Point, ValidationError } = require('./fixtures/exports.cjs') as {
  Point: new (x: number, y: number) => { x: number; y: number; norm(): number };
  ValidationError: new (message: string, field: string) => Error & { field: string };
};

const roundTrip = <T>(value: T): T => decode(encode(value)) as T;

describe('encode and decode', () => {
  it('keep every API.md type exactly', () => {
    const value = {
      u: undefined,
      n: null,
      big: 123456789012345678901234567890n,
      negBig: -5n,
      float: 1.5,
      negZero: -0,
      nan: NaN,
      inf: -Infinity,
      map: new Map<unknown, unknown>([
        [1, 'number key'],
        ['1', 'string key'],
        [0.25, 'float key'],
      ]),
      set: new Set([1, 'x', 2n]),
      date: new Date(1_700_000_000_123),
      re: /ab+c/gi,
      bytes: new Uint8Array([1, 2, 3]),
      buf: Buffer.from('hello'),
      f64: new Float64Array([1.5, -0, Infinity]),
      i32: new Int32Array([-1, 2 ** 31 - 1]),
      nested: [[1, [2, [3]]], { deep: { deeper: 'yes' } }],
    };
    const back = roundTrip(value);
    expect(back).toStrictEqual(value);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(Object.is(back.f64[1], -0)).toBe(true);
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect([...back.map.keys()]).toEqual([1, '1', 0.25]);
  });

  it('keep ArrayBuffers as ArrayBuffers', () => {
    const back = roundTrip(new Uint8Array([9, 8, 7]).buffer);
    expect(Object.prototype.toString.call(back)).toBe('[object ArrayBuffer]');
    expect([...new Uint8Array(back)]).toEqual([9, 8, 7]);
  });

  it('keep -0 inside arrays, objects, Maps and Sets', () => {
    const back = roundTrip([-0, { a: -0 }, new Map([[-0, -0]]), new Set([-0])]);
    expect(Object.is(back[0], -0)).toBe(true);
    expect(Object.is((back[1] as { a: number }).a, -0)).toBe(true);
    expect(Object.is([...(back[2] as Map<number, number>).values()][0], -0)).toBe(true);
  });

  it('keep cycles and shared references', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    const shared = { s: 1 };
    const back = roundTrip({ a, pair: [shared, shared] });
    expect(back.a['self']).toBe(back.a);
    expect(back.pair[0]).toBe(back.pair[1]);
  });

  it('rebuild instances of exported classes with their prototype', async () => {
    const back = (await decodeAsync(encode({ p: new Point(3, 4) }))) as {
      p: InstanceType<typeof Point>;
    };
    expect(back.p).toBeInstanceOf(Point);
    expect(back.p.norm()).toBe(5);
  });
});

describe('errors from other processes', () => {
  it('arrive as the same built-in class with message, code, own properties, cause and remote stack', () => {
    const cause = new Error('root cause');
    const error = Object.assign(new TypeError('bad type', { cause }), {
      code: 'E_TYPE',
      detail: { n: 1 },
    });
    const back = roundTrip(error);
    expect(back).toBeInstanceOf(TypeError);
    expect(back.message).toBe('bad type');
    expect((back as unknown as { code: string }).code).toBe('E_TYPE');
    expect((back as unknown as { detail: unknown }).detail).toEqual({ n: 1 });
    expect((back.cause as Error).message).toBe('root cause');
    expect(back.stack).toMatch(
      /^TypeError: bad type\n--- remote stack ---\nTypeError: bad type\n {4}at /,
    );
  });

  it('arrive as multiproc classes with their fields', () => {
    const timeout = roundTrip(new TimeoutError('too slow'));
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.code).toBe('ERR_MP_TIMEOUT');
    const lost = roundTrip(new WorkerLostError('worker 7 died', -9));
    expect(lost).toBeInstanceOf(WorkerLostError);
    expect(lost.exitcode).toBe(-9);
    const short = roundTrip(new BufferTooShort(Buffer.from('whole message')));
    expect(short.data.toString()).toBe('whole message');
    const abort = roundTrip(new AbortError());
    expect(abort.name).toBe('AbortError');
    expect(abort.code).toBe('ABORT_ERR');
  });

  it('arrive as their own class when their module exports it', () => {
    const cause = new RangeError('under 0');
    const error = Object.assign(new ValidationError('age must be positive', 'age'), { cause });
    const back = roundTrip(error);
    expect(back).toBeInstanceOf(ValidationError);
    expect(back).not.toBeInstanceOf(RemoteError);
    expect(back.name).toBe('ValidationError');
    expect(back.message).toBe('age must be positive');
    expect((back as unknown as { code: string }).code).toBe('E_VALIDATION');
    expect((back as unknown as { field: string }).field).toBe('age');
    expect(back.cause).toBeInstanceOf(RangeError);
    expect(back.cause.message).toBe('under 0');
    expect(back.stack).toMatch(
      /^ValidationError: age must be positive\n--- remote stack ---\nError: age must be positive\n {4}at /,
    );
  });

  it('arrive as RemoteError named after any other class', () => {
    class LocalError extends Error {
      field = 'age';
      code = 'E_VALIDATION';
    }
    const back = roundTrip(new LocalError('age must be positive'));
    expect(back).toBeInstanceOf(RemoteError);
    expect(back.name).toBe('LocalError');
    expect(back.message).toBe('age must be positive');
    expect((back as unknown as { code: string }).code).toBe('E_VALIDATION');
    expect((back as unknown as { field: string }).field).toBe('age');
    expect(back.stack).toContain('--- remote stack ---');
  });

  it('drop own properties that cannot be sent rather than fail', () => {
    const error = Object.assign(new Error('with a socket'), { handler: () => 1, ok: 'kept' });
    const back = roundTrip(error) as Error & { handler?: unknown; ok?: string };
    expect(back.ok).toBe('kept');
    expect(back.handler).toBeUndefined();
  });
});

describe('values that cannot be sent', () => {
  const cases: [string, unknown, string][] = [
    ['a function', [1, { handler: () => 0 }], 'args[1].handler is a function and cannot be sent'],
    ['a symbol', { a: { b: Symbol('s') } }, 'args.a.b is a symbol and cannot be sent'],
    [
      'a Promise',
      [Promise.resolve(1)],
      'args[0] is a Promise and cannot be sent: await it and send the value',
    ],
    ['a boxed number', { n: Object(5) as unknown }, 'args.n is a boxed Number and cannot be sent'],
    ['a WeakMap', [new WeakMap()], 'args[0] is a WeakMap and cannot be sent'],
    [
      'a SharedArrayBuffer',
      [new SharedArrayBuffer(8)],
      'args[0] is a SharedArrayBuffer, whose memory another process cannot see',
    ],
    [
      'an unexported class',
      { p: new (class Hidden {})() },
      'args.p is an instance of class Hidden and cannot be sent: its module does not export Hidden',
    ],
    [
      'a Map value that is a function',
      new Map([['k', () => 1]]),
      'args.k is a function and cannot be sent',
    ],
    ['a key with spaces', { 'a b': () => 1 }, 'args["a b"] is a function and cannot be sent'],
  ];
  it.each(cases)('%s is refused with its path', (_what, value, message) => {
    expect(() => encode(value, { path: 'args' })).toThrow(TypeError);
    expect(() => encode(value, { path: 'args' })).toThrow(message);
    expect(() => assertSendable(value, 'args')).toThrow(message);
  });
});
