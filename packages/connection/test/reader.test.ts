// The frame reader on its own: where each read lands, and what a guarded reader lets in.
import { FrameError, frameHeader } from '@multiproc/serialize';
import { FrameReader } from '../src/reader.js';

/** Feeds `bytes` to the reader in reads of at most `chunk` bytes, as a socket would. */
function feed(reader: FrameReader, bytes: Buffer, chunk = Infinity): number[] {
  const sizes: number[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const target = reader.target();
    const n = Math.min(target.length, chunk, bytes.length - offset);
    bytes.copy(target, 0, offset, offset + n);
    reader.commit(n);
    sizes.push(target.length);
    offset += n;
  }
  return sizes;
}

function framed(...payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => [frameHeader(p.length), p]));
}

describe('FrameReader', () => {
  it('splits frames however the stream is cut', () => {
    const payloads = [
      Buffer.from('a'),
      Buffer.alloc(0),
      Buffer.alloc(70_000, 7),
      Buffer.from('tail'),
    ];
    for (const chunk of [1, 3, 4096, 65_536, Infinity]) {
      const reader = new FrameReader();
      feed(reader, framed(...payloads), chunk);
      const out: Buffer[] = [];
      for (let frame = reader.take(); frame; frame = reader.take()) out.push(frame);
      expect(out.map((f) => f.length)).toEqual([1, 0, 70_000, 4]);
      expect(out[2]?.equals(payloads[2] as Buffer)).toBe(true);
      expect(String(out[3])).toBe('tail');
      expect(reader.buffered).toBe(0);
    }
  });

  it('reads a frame larger than its stage straight into a buffer of the exact size', () => {
    const reader = new FrameReader();
    const payload = Buffer.alloc(1_000_000, 3);
    feed(reader, framed(payload).subarray(0, 100));
    expect(reader.nextLength()).toBe(1_000_000);
    const target = reader.target();
    expect(target.length).toBe(1_000_000 - 96);
    expect(target.buffer.byteLength).toBeGreaterThanOrEqual(1_000_000);
    feed(reader, framed(payload).subarray(100));
    const frame = reader.take() as Buffer;
    expect(frame.length).toBe(1_000_000);
    expect(frame.buffer).toBe(target.buffer);
  });

  it('uses memory the caller offers for a large frame', () => {
    const offered = Buffer.alloc(200_000);
    const reader = new FrameReader({ bodyFor: (n) => offered.subarray(0, n) });
    feed(reader, framed(Buffer.alloc(150_000, 5)));
    const frame = reader.take() as Buffer;
    expect(frame.buffer).toBe(offered.buffer);
    expect(offered[149_999]).toBe(5);
  });

  it('refuses a frame over its limit as soon as the header is in, before allocating', () => {
    const reader = new FrameReader({ maxLength: 100 });
    expect(() => feed(reader, frameHeader(101))).toThrow(
      new FrameError('frame of 101 bytes exceeds the limit of 100 bytes'),
    );
  });

  it('reads the long header form beyond 4 GiB, and refuses a long form used for less', () => {
    const long = Buffer.alloc(12);
    long.writeUInt32BE(0xffffffff, 0);
    long.writeBigUInt64BE(5n * 2n ** 30n, 4);
    expect(() => feed(new FrameReader({ maxLength: 2 ** 32 }), long)).toThrow(
      'frame of 5368709120 bytes exceeds the limit of 4294967296 bytes',
    );
    const short = Buffer.alloc(12);
    short.writeUInt32BE(0xffffffff, 0);
    short.writeBigUInt64BE(10n, 4);
    expect(() => feed(new FrameReader(), short)).toThrow(
      'malformed frame header: long form used for 10 bytes',
    );
  });

  it('guarded: asks for exactly the bytes the frame lacks, and at most 4 + 256 of them', () => {
    const reader = new FrameReader({ guarded: true, maxLength: 256 });
    expect(feed(reader, framed(Buffer.alloc(200, 1)))).toEqual([4, 200]);
    // A whole frame waits: nothing more may be read until it is taken.
    expect(reader.target().length).toBe(1);
    expect(() => reader.commit(1)).toThrow(
      'read past a whole handshake message that was not taken yet',
    );
    expect(reader.take()?.length).toBe(200);
    expect(feed(reader, framed(Buffer.alloc(256, 2)))).toEqual([4, 256]);
    expect(reader.take()?.length).toBe(256);
    // A claimed length over the limit fails on the header: no byte of the body is read.
    const attacked = new FrameReader({ guarded: true, maxLength: 256 });
    expect(attacked.target().length).toBe(4);
    const header = frameHeader(0x7ffffff0);
    header.copy(attacked.target());
    expect(() => attacked.commit(4)).toThrow(
      'frame of 2147483632 bytes exceeds the limit of 256 bytes',
    );
    // The long form is refused on its first four bytes.
    const long = new FrameReader({ guarded: true, maxLength: 256 });
    Buffer.from([0xff, 0xff, 0xff, 0xff]).copy(long.target());
    expect(() => long.commit(4)).toThrow(
      'frame of more than 4 GiB bytes exceeds the limit of 256 bytes',
    );
  });

  it('unguards after authentication: large reads and frames again', () => {
    const reader = new FrameReader({ guarded: true, maxLength: 256 });
    reader.unguard();
    expect(reader.guarded).toBe(false);
    expect(reader.target().length).toBe(64 * 1024);
    feed(reader, framed(Buffer.alloc(100_000)));
    expect(reader.take()?.length).toBe(100_000);
  });

  it('describes a partial frame for end-of-file messages', () => {
    const reader = new FrameReader();
    expect(reader.partial()).toBeUndefined();
    feed(reader, Buffer.from([0, 0]));
    expect(reader.partial()).toEqual({ length: -1, received: 0 });
    feed(reader, Buffer.from([0, 10, 1, 2, 3]));
    expect(reader.partial()).toEqual({ length: 10, received: 3 });
  });
});
