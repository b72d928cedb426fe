import { activeChildren, type Process } from '@multiproc/process';
import { Client, Listener, Pipe, type Connection } from '@multiproc/connection';

/** The transports every connection test runs over. */
export type Transport = 'pipe' | 'unix' | 'tcp';
export const transports: Transport[] = ['pipe', 'unix', 'tcp'];

/** Two connected ends over `transport`. */
export async function connectedPair(transport: Transport): Promise<[Connection, Connection]> {
  if (transport === 'pipe') return Pipe();
  const listener = await Listener.listen(transport === 'unix' ? {} : { address: ['127.0.0.1', 0] });
  try {
    const [client, server] = await Promise.all([
      Client({ address: listener.address }),
      listener.accept(),
    ]);
    return [client, server];
  } finally {
    listener.close();
  }
}

/** Closes connections a test opened, whatever happened in it. */
export class Opened {
  readonly #all: { close(): void }[] = [];

  add<T extends { close(): void }>(...items: T[]): T[] {
    this.#all.push(...items);
    return items;
  }

  async pair(transport: Transport): Promise<[Connection, Connection]> {
    const pair = await connectedPair(transport);
    this.add(...pair);
    return pair;
  }

  closeAll(): void {
    for (const item of this.#all.splice(0)) item.close();
  }
}

/** Kills and reaps whatever a test left running, so no child outlives its test. */
export async function killLeftovers(): Promise<void> {
  const left = activeChildren();
  for (const p of left) p.kill();
  await Promise.all(left.map((p) => p.join(5000)));
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether a promise has settled, after letting pending I/O callbacks run once. */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

/** Values of every type multiproc sends, and how they come back. */
export function sampleValues(): [string, unknown][] {
  const cause = new RangeError('inner');
  const error = new TypeError('outer', { cause });
  const cyclic: Record<string, unknown> = { name: 'root' };
  cyclic.self = cyclic;
  return [
    ['null', null],
    ['undefined', undefined],
    ['booleans', [true, false]],
    ['numbers', [0, 1, -1, 1.5, 2 ** 53, Number.MAX_VALUE, Infinity, -Infinity]],
    ['NaN', NaN],
    ['negative zero', -0],
    ['bigints', [0n, -(2n ** 70n), 2n ** 64n - 1n]],
    ['strings', ['', 'hello', 'héllo wörld ✓ 🚀', 'x'.repeat(100_000)]],
    ['nested arrays', [1, [2, [3, [4, []]]]]],
    ['objects', { a: 1, b: { c: [null, 'd'] }, 'key with space': true }],
    [
      'Map',
      new Map<unknown, unknown>([
        [1, 'one'],
        ['two', 2],
        [3n, { x: 1 }],
      ]),
    ],
    ['Set', new Set([1, 'a', null])],
    ['Date', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))],
    ['RegExp', /ab+c/giu],
    ['Buffer', Buffer.from([0, 1, 2, 255])],
    ['Uint8Array', new Uint8Array([9, 8, 7])],
    ['Float64Array', new Float64Array([1.5, -2.25, Math.PI])],
    ['Int32Array', new Int32Array([-1, 2 ** 31 - 1])],
    ['BigInt64Array', new BigInt64Array([-5n, 2n ** 62n])],
    ['ArrayBuffer', new Uint8Array([4, 5, 6]).buffer],
    ['Error with cause', error],
    ['a cycle', cyclic],
  ];
}

/** Asserts that `received` is what sending `value` should give (see `sampleValues`). */
export function expectSameValue(received: unknown, value: unknown): void {
  if (value instanceof Error) {
    expect(received).toBeInstanceOf(TypeError);
    expect((received as Error).message).toBe('outer');
    expect((received as Error).cause).toBeInstanceOf(RangeError);
    expect(((received as Error).cause as Error).message).toBe('inner');
  } else if (value instanceof ArrayBuffer) {
    expect(received).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(received as ArrayBuffer)]).toEqual([4, 5, 6]);
  } else if (Object.is(value, -0)) {
    expect(Object.is(received, -0)).toBe(true);
  } else if (typeof value === 'object' && value !== null && 'self' in value) {
    const root = received as Record<string, unknown>;
    expect(root.name).toBe('root');
    expect(root.self).toBe(root);
  } else {
    expect(received).toEqual(value);
    if (value !== null && typeof value === 'object')
      expect(Object.getPrototypeOf(received)).toBe(Object.getPrototypeOf(value));
  }
}

/** Waits for a child to exit and expects exit code 0. */
export async function joinedCleanly(p: Process): Promise<void> {
  await p.join();
  expect(p.exitcode).toBe(0);
}
