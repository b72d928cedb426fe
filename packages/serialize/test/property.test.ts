import fc from 'fast-check';
import { decode, encode } from '@multiproc/serialize';

// What the codec promises to keep exactly. Left out, as documented: null-prototype objects
// (they arrive as plain objects), boxed primitives (refused), holes in sparse arrays (they
// arrive as undefined) and keys named __proto__ (msgpackr renames them, so no prototype is ever polluted).
const sendable = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(undefined, null, true, false, NaN, -0, 0, Infinity, -Infinity),
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.string(),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array(),
    fc.float64Array(),
    fc.int32Array(),
    fc.array(tie('value')),
    fc.dictionary(
      fc.string().filter((k) => k !== '__proto__'),
      tie('value'),
      { noNullPrototype: true },
    ),
    fc
      .array(fc.tuple(fc.oneof(fc.string(), fc.integer(), fc.double()), tie('value')))
      .map((e) => new Map(e)),
    fc.array(fc.oneof(fc.string(), fc.integer())).map((e) => new Set(e)),
  ),
})).value;

describe('round trips (property)', () => {
  it('decode(encode(v)) equals v for random values', () => {
    fc.assert(
      fc.property(sendable, (value) => {
        expect(decode(encode(value))).toStrictEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('random or truncated bytes decode to a value or a clear error, never a crash or a hang', () => {
    fc.assert(
      fc.property(sendable, fc.nat(), fc.uint8Array({ maxLength: 64 }), (value, cut, noise) => {
        const bytes = encode(value);
        for (const input of [bytes.subarray(0, cut % (bytes.length + 1)), Buffer.from(noise)]) {
          try {
            decode(input);
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
            expect((error as Error).message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
