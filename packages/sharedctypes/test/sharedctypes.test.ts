// Value, RawValue, SharedArray and RawArray: typecodes, locks, indexing, and the same memory in
// real child processes and threads.
import { activeChildren, getContext } from '@multiproc/process';
import { RawArray, RawValue, SharedArray, Value } from '@multiproc/sharedctypes';
import { Lock, RLock } from '@multiproc/synchronize';
import { guardLeftovers, runAll } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<
  string,
  (...args: unknown[]) => unknown
>;

guardLeftovers({ activeChildren });

describe('Value and RawValue', () => {
  it('hold every typecode, with bigints for 64-bit codes and a character for c', () => {
    const cases: [string, unknown, unknown][] = [
      ['b', -128, 127],
      ['B', 0, 255],
      ['h', -32768, 32767],
      ['H', 1, 65535],
      ['i', -2147483648, 2147483647],
      ['I', 0, 4294967295],
      ['l', -(2n ** 63n), 2n ** 63n - 1n],
      ['L', 0n, 2n ** 64n - 1n],
      ['q', -3n, 3n],
      ['Q', 0n, 2n ** 64n - 1n],
      ['f', 0.5, -1.5],
      ['d', Math.PI, -0],
      ['c', 'a', '\xff'],
    ];
    for (const [code, initial, next] of cases) {
      for (const V of [Value, RawValue]) {
        const v = new V(code as never, initial as never);
        expect(v.value).toBe(initial);
        v.value = next as never;
        expect(v.value).toBe(next);
        v.close();
      }
    }
    expect(new Value('d').value).toBe(0);
    expect(new RawValue('q').value).toBe(0n);
    expect(new Value('c').value).toBe('\0');
  });

  it('refuse bad typecodes and values before allocating, naming them', () => {
    expect(() => new Value('x' as never)).toThrow(
      "typecode must be one of 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q' 'Q' 'f' 'd' 'c', got \"x\" (string)",
    );
    expect(() => new Value('i', 1.5)).toThrow(
      "initial must be an integer (typecode 'i'), got 1.5 (number)",
    );
    expect(() => new Value('b', 200)).toThrow(RangeError);
    expect(() => new Value('q', 1 as never)).toThrow(
      "initial must be a bigint (typecode 'q' is 64-bit)",
    );
    expect(() => new Value('c', 'ab')).toThrow(
      "initial must be a one-character string (typecode 'c')",
    );
    expect(() => new Value('c', 'λ')).toThrow(RangeError);
    expect(() => new Value('i', 0, { lock: 'yes' as never })).toThrow(
      'options.lock must be a boolean, a Lock or an RLock, got "yes" (string)',
    );
    const v = new RawValue('H', 1);
    expect(() => {
      v.value = 70000;
    }).toThrow("value must be between 0 and 65535 (typecode 'H'), got 70000");
    v.close();
  });

  it('Value has an RLock by default, takes a given lock, or none', () => {
    const a = new Value('i', 1);
    expect(a.getLock()).toBeInstanceOf(RLock);
    const shared = new Lock();
    const b = new Value('i', 2, { lock: shared });
    expect(b.getLock()).toBe(shared);
    const c = new Value('i', 3, { lock: false });
    expect(() => c.getLock()).toThrow('this Value was made with { lock: false } and has no lock');
    const raw = a.getObj();
    raw.value = 10;
    expect(a.value).toBe(10);
    expect(String(a)).toBe("Value('i', 10)");
    a.acquireSync();
    a.value = 11; // RLock: the owner may read and write while holding it
    a.release();
    for (const x of [a, b, c]) x.close();
    shared.close();
    expect(() => a.value).toThrow('Value is closed');
  });

  it("Value('d') reads and writes under its lock, so a writer holding it is waited for", () => {
    const v = new Value('d', 1.5, { lock: new Lock() });
    expect(v.getLock().acquireSync({ block: false })).toBe(true);
    v.getLock().release();
    v.value = 2.5;
    expect(v.value).toBe(2.5);
    v.getLock().close();
    v.close();
  });
});

describe('SharedArray and RawArray', () => {
  it('index with arr[i] (negative from the end), get/set, slice, toArray, iteration, view', () => {
    for (const A of [SharedArray, RawArray]) {
      const arr = new A('i', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(arr.length).toBe(10);
      expect(arr[3]).toBe(3);
      expect(arr[-1]).toBe(9);
      arr[0] = 100;
      arr.set(-2, -8);
      expect(arr.get(0)).toBe(100);
      expect(arr.slice(7)).toEqual([7, -8, 9]);
      expect(arr.slice(-3, -1)).toEqual([7, -8]);
      expect([...arr].length).toBe(10);
      expect(arr.view).toBeInstanceOf(Int32Array);
      expect(arr.view[0]).toBe(100);
      expect(() => arr[10]).toThrow(`index 10 is out of range for a ${A.name} of length 10`);
      expect(() => {
        arr[0] = 'x' as never;
      }).toThrow('value must be an integer (typecode \'i\'), got "x" (string)');
      arr.close();
    }
  });

  it('zero-fills a given length; c arrays take strings; 64-bit arrays bigints', () => {
    const zeros = new SharedArray('d', 4);
    expect(zeros.toArray()).toEqual([0, 0, 0, 0]);
    const text = new SharedArray('c', 'hello');
    expect(text.toArray().join('')).toBe('hello');
    const big = new RawArray('Q', [1n, 2n ** 64n - 1n]);
    expect(big.toArray()).toEqual([1n, 2n ** 64n - 1n]);
    expect(() => new SharedArray('i', -1)).toThrow('sizeOrSequence must be a length');
    expect(() => new SharedArray('B', [1, 256])).toThrow(
      'sizeOrSequence[1] must be between 0 and 255',
    );
    for (const a of [zeros, text, big]) a.close();
  });

  it('SharedArray has a lock (an RLock by default) and a raw view over the same memory', () => {
    const arr = new SharedArray('f', [1.5, 2.5]);
    expect(arr.getLock()).toBeInstanceOf(RLock);
    const raw = arr.getObj();
    raw[0] = 4.5;
    expect(arr[0]).toBe(4.5);
    arr.close();
  });
});

describe.each(['spawn', 'thread'] as const)('in %s children', (method) => {
  const { Process: P } = getContext(method);

  it("runs Python's docs example: Value('d', 0.0) and Array('i', range(10))", async () => {
    const num = new Value('d', 0.0);
    const arr = new SharedArray(
      'i',
      Array.from({ length: 10 }, (_, i) => i),
    );
    expect(await runAll([new P({ target: targets['f'], args: [num, arr] })])).toEqual([0]);
    expect(num.value).toBe(3.1415927);
    expect(arr.slice()).toEqual([0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
    num.close();
    arr.close();
  });

  it('4 × 10,000 increments of a RawValue under a Lock make exactly 40,000', async () => {
    const counter = new RawValue('i', 0);
    const lock = new Lock();
    const codes = await runAll(
      [1, 2, 3, 4].map(
        () => new P({ target: targets['incrementRaw'], args: [counter, lock, 10_000] }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(counter.value).toBe(40_000);
    counter.close();
    lock.close();
  });

  it('4 × 5,000 increments of a Value under its own lock make exactly 20,000', async () => {
    const counter = new Value('q', 0n);
    const codes = await runAll(
      [1, 2, 3, 4].map(() => new P({ target: targets['incrementValue'], args: [counter, 5000] })),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(counter.value).toBe(20_000n);
    counter.close();
  });

  it('typecodes survive the trip both ways', async () => {
    const big = new Value('q', -5n);
    const ch = new RawValue('c', 'z');
    const floats = new RawArray('d', [0, 2.5]);
    const out = new SharedArray('B', 3);
    expect(
      await runAll([new P({ target: targets['echo'], args: [big, ch, floats, out] })]),
    ).toEqual([0]);
    expect(out.toArray()).toEqual([1, 1, 1]);
    expect([big.value, ch.value, floats[0]]).toEqual([2n ** 62n, 'q', -1.25]);
    for (const x of [big, ch, floats, out]) x.close();
  });
});
