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
  encodeTrusted,
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

describe('plain objects and Maps side by side', () => {
  const plainObjectsOf = (value: unknown, out: object[] = []): object[] => {
    if (Array.isArray(value)) for (const item of value) plainObjectsOf(item, out);
    else if (value instanceof Map) for (const item of value.values()) plainObjectsOf(item, out);
    else if (value instanceof Set) for (const item of value) plainObjectsOf(item, out);
    else if (typeof value === 'object' && value !== null) {
      if (Object.getPrototypeOf(value) === Object.prototype) out.push(value);
      for (const item of Object.values(value)) plainObjectsOf(item, out);
    }
    return out;
  };

  it('keep every type, key order and plain objects in a message with no Map', () => {
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`k${19 - k}`, k]));
    const value = {
      u: undefined,
      big: -123456789012345678901234567890n,
      negZero: -0,
      set: new Set([1, 'x', 2n]),
      date: new Date(1_700_000_000_123),
      re: /ab+c/gi,
      buf: Buffer.from('hello'),
      f64: new Float64Array([1.5, -0, Infinity]),
      numericKeys: { 2: 'two', 1: 'one', b: 'b', a: 'a' },
      empty: {},
      wide,
      list: [{ i: 0, op: 'ping' }, [{ deep: { deeper: [{}] } }]],
    };
    const back = roundTrip(value);
    expect(back).toStrictEqual(value);
    expect(Object.keys(back.wide)).toEqual(Object.keys(wide));
    expect(Object.keys(back.numericKeys)).toEqual(['1', '2', 'b', 'a']);
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(plainObjectsOf(back)).toHaveLength(plainObjectsOf(value).length);
  });

  it('keep Maps as Maps and objects as objects wherever a Map sits', async () => {
    const map = (): Map<unknown, unknown> =>
      new Map<unknown, unknown>([
        [1, { one: 1 }],
        ['k', [{ k: 'k' }]],
      ]);
    const withField = Object.assign(new Point(3, 4), { tags: map() });
    const failed = Object.assign(new Error('failed', { cause: map() }), { detail: map() });
    const back = (await decodeAsync(
      encode({ top: map(), inSet: new Set([map()]), inArray: [{ m: map() }], withField, failed }),
    )) as {
      top: Map<unknown, unknown>;
      inSet: Set<Map<unknown, unknown>>;
      inArray: [{ m: Map<unknown, unknown> }];
      withField: InstanceType<typeof Point> & { tags: Map<unknown, unknown> };
      failed: Error & { detail: Map<unknown, unknown> };
    };
    for (const m of [
      back.top,
      [...back.inSet][0],
      back.inArray[0].m,
      back.withField.tags,
      back.failed.detail,
      back.failed.cause,
    ]) {
      expect(m).toStrictEqual(map());
    }
    expect(back.withField).toBeInstanceOf(Point);
    expect(back.withField.norm()).toBe(5);
    expect(back.failed).toBeInstanceOf(Error);
    expect(plainObjectsOf(back.inArray)).toStrictEqual([{ m: map() }, { one: 1 }, { k: 'k' }]);
  });

  it('keep cycles in a message with no Map and in one with a Map', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    const b: Record<string, unknown> = { name: 'b', m: new Map([['b', 1]]) };
    b['self'] = b;
    const back = roundTrip<Record<string, unknown>[]>([a, b]);
    expect(back[0]!['self']).toBe(back[0]);
    expect(back[1]!['self']).toBe(back[1]);
    expect(back[1]!['m']).toStrictEqual(new Map([['b', 1]]));
  });

  it('find cycles at any depth, and no cycle where a deep object is only shared', () => {
    type Node = { depth: number; next?: Node | undefined; up?: Node | undefined };
    const chain = (length: number): Node[] => {
      const nodes: Node[] = Array.from({ length }, (_, depth) => ({ depth }));
      for (let d = 0; d + 1 < length; d++) nodes[d]!.next = nodes[d + 1];
      return nodes;
    };
    const cyclic = chain(40);
    cyclic[35]!.up = cyclic[25];
    cyclic[39]!.up = cyclic[3];
    let back = roundTrip(cyclic[0]!);
    const walk = (node: Node, depth: number): Node =>
      depth === 0 ? node : walk(node.next!, depth - 1);
    expect(walk(back, 35).up).toBe(walk(back, 25));
    expect(walk(back, 39).up).toBe(walk(back, 3));

    // The same deep object twice, side by side: without a cycle, each arrives as its own copy.
    const shared = chain(30);
    back = roundTrip({ depth: -1, next: shared[0], up: shared[0] });
    expect(back.next).toStrictEqual(back.up);
    expect(back.next).not.toBe(back.up);
  });

  it('read values that encodeTrusted wrote', () => {
    const value = { a: { b: [1, { c: 'd' }] }, list: [{ i: 1 }, { i: 2 }], n: null };
    expect(decode(encodeTrusted(value))).toStrictEqual(value);
  });

  it('encode into a plain msgpack value that embeds in a larger message (no Map)', () => {
    const inner = encode({ x: 1, list: ['y'] });
    const outer = Buffer.concat([Buffer.from([0x92, 0x07]), inner]);
    expect(decode(outer)).toStrictEqual([7, { x: 1, list: ['y'] }]);
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
