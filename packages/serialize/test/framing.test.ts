import fc from 'fast-check';
import { FrameDecoder, FrameError, frame, frameHeader } from '@multiproc/serialize';

/** Splits `bytes` at the given cut points. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

describe('FrameDecoder', () => {
  it('returns every frame, in order, however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(p)));
          const decoder = new FrameDecoder();
          const frames = split(stream, cuts).flatMap((chunk) => decoder.push(chunk));
          expect(frames.map((f) => [...f])).toEqual(payloads.map((p) => [...p]));
          expect(decoder.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds a truncated frame without returning it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (payload, cut) => {
        const whole = frame(payload);
        const partial = whole.subarray(0, cut % whole.length);
        const decoder = new FrameDecoder();
        expect(decoder.push(partial)).toEqual([]);
        expect(decoder.pending).toBe(partial.length);
      }),
    );
  });

  it('turns random bytes into frames or a FrameError, never a crash or a hang', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const decoder = new FrameDecoder({ maxLength: 1024 });
        try {
          for (const chunk of chunks) decoder.push(Buffer.from(chunk));
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
    );
  });

  it('refuses a length above its limit before allocating it', () => {
    const decoder = new FrameDecoder({ maxLength: 1000 });
    expect(() => decoder.push(frameHeader(1001))).toThrow(
      new FrameError('frame of 1001 bytes exceeds the limit of 1000 bytes'),
    );
    const long = new FrameDecoder({ maxLength: 1000 });
    const header = Buffer.alloc(12);
    header.writeUInt32BE(0xffffffff, 0);
    header.writeBigUInt64BE(2n ** 62n, 4);
    expect(() => long.push(header)).toThrow(
      `frame of ${2n ** 62n} bytes exceeds the limit of 1000 bytes`,
    );
  });

  it('rejects the long header form for a short length', () => {
    const header = Buffer.alloc(12);
    header.writeUInt32BE(0xffffffff, 0);
    header.writeBigUInt64BE(5n, 4);
    expect(() => new FrameDecoder().push(header)).toThrow('malformed frame header');
  });

  it('carries a 1 GiB message fed in 64 MiB chunks', () => {
    const size = 2 ** 30 + 3;
    const payload = Buffer.allocUnsafe(size);
    payload.fill(0x5a);
    payload[0] = 1;
    payload[size - 1] = 2;
    const stream = [frameHeader(size), payload];
    const decoder = new FrameDecoder();
    const frames: Buffer[] = [];
    frames.push(...decoder.push(stream[0] as Buffer));
    for (let offset = 0; offset < size; offset += 64 * 2 ** 20) {
      frames.push(...decoder.push(payload.subarray(offset, offset + 64 * 2 ** 20)));
    }
    expect(frames).toHaveLength(1);
    const [only] = frames as [Buffer];
    expect(only.length).toBe(size);
    expect([only[0], only[1], only[size - 2], only[size - 1]]).toEqual([1, 0x5a, 0x5a, 2]);
  }, 60_000);
});
