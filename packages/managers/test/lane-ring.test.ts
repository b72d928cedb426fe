// The ring of a manager lane on its own, one writer and one reader over one SharedArrayBuffer,
// with an array as the socket: every order in which a reader can meet the ring and the socket
// delivers every frame once, in order, and a ring that breaks the rules is refused.
import {
  LaneError,
  LaneReader,
  LaneWriter,
  kLaneCapacity,
  kLaneSegmentBytes,
} from '../src/lane.js';

/** A writer and a reader on region 0, with the frames on the "socket" in an array. */
function pair() {
  const buffer = new SharedArrayBuffer(kLaneSegmentBytes);
  const socket: Buffer[] = [];
  const writer = new LaneWriter(buffer, 0, (frame) => socket.push(Buffer.from(frame)));
  const reader = new LaneReader(buffer, 0);
  const received: Buffer[] = [];
  const take = (frame: Buffer): void => void received.push(frame);
  /** Reads what is there: the socket's frames in order, polling the ring as the reader would. */
  const drain = (): void => {
    reader.poll(take);
    while (socket.length > 0) reader.fromSocket(socket.shift() as Buffer, take);
  };
  return { buffer, socket, writer, reader, received, take, drain };
}

/** A frame that says which it is: `n` in its first 4 bytes, then `n` repeated. */
function frameOf(n: number, length: number): Buffer {
  const frame = Buffer.alloc(Math.max(4, length), n & 0xff);
  frame.writeUInt32LE(n, 0);
  return frame;
}

/** A deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('a lane ring', () => {
  it('starts on the socket and moves to the ring with a switch frame', () => {
    const { socket, writer, received, drain } = pair();
    writer.write(frameOf(1, 10));
    // The first frame: the switch, then the frame in the ring, then a poke (the reader sleeps,
    // as a fresh segment says).
    expect(socket.map((f) => f.length)).toEqual([1, 0]);
    drain();
    expect(received.map((f) => f.readUInt32LE(0))).toEqual([1]);
  });

  it('pokes a sleeping reader once, and a watching reader never', () => {
    const { socket, writer, reader, drain } = pair();
    writer.write(frameOf(1, 8));
    drain();
    socket.length = 0;
    expect(reader.sleep()).toBe(true);
    writer.write(frameOf(2, 8));
    writer.write(frameOf(3, 8));
    expect(socket.map((f) => f.length)).toEqual([0]);
    drain();
    reader.watch();
    writer.write(frameOf(4, 8));
    expect(socket).toEqual([]);
    // Asleep with a frame waiting: sleep() says so, and the reader polls instead.
    expect(reader.sleep()).toBe(false);
  });

  it('delivers every frame once and in order, across wraps, markers and a full ring', () => {
    const { writer, reader, received, take, socket } = pair();
    const next = random(7);
    const sent: number[] = [];
    let pokes = 0;
    for (let n = 0; n < 20_000; n++) {
      const before = socket.length;
      // Mostly small frames; some up to a quarter of the ring (the largest it takes) and past it.
      const r = next();
      const length = r < 0.9 ? Math.floor(next() * 200) : Math.floor(next() * (kLaneCapacity / 2));
      writer.write(frameOf(n, length));
      sent.push(n);
      if (socket.length > before && socket[socket.length - 1]?.length === 0) pokes++;
      // The reader falls behind and catches up at random, taking the socket's frames in order.
      if (next() < 0.3) reader.poll(take);
      while (next() < 0.6 && socket.length > 0) reader.fromSocket(socket.shift() as Buffer, take);
      // And sleeps now and then, so pokes mix with markers and switches on the socket.
      if (next() < 0.2) {
        reader.poll(take);
        reader.sleep();
      }
    }
    reader.poll(take);
    while (socket.length > 0) reader.fromSocket(socket.shift() as Buffer, take);
    expect(pokes).toBeGreaterThan(1000);
    expect(received.map((f) => f.readUInt32LE(0))).toEqual(sent);
    for (const frame of received) {
      const n = frame.readUInt32LE(0);
      expect(frame.subarray(4).every((byte) => byte === (n & 0xff))).toBe(true);
    }
  });

  it('sends frames larger than a quarter of the ring through the socket, in their place', () => {
    const { socket, writer, received, drain } = pair();
    const big = kLaneCapacity / 4 + 1;
    writer.write(frameOf(1, 100));
    writer.write(frameOf(2, big));
    writer.write(frameOf(3, 100));
    // After frame 1's switch and poke: frame 2, and frame 3 too, since the reader has not met the
    // marker yet and the socket is where its next frame is.
    expect(socket.map((f) => f.length)).toEqual([1, 0, big, 100]);
    drain();
    socket.length = 0;
    // The reader met the marker: the writer switches back to the ring and writes there (no
    // poke: the reader has not said it sleeps since the last one).
    writer.write(frameOf(4, 100));
    expect(socket.map((f) => f.length)).toEqual([1]);
    drain();
    expect(received.map((f) => f.readUInt32LE(0))).toEqual([1, 2, 3, 4]);
  });

  it('refuses to send frames that would read as its own', () => {
    const { writer } = pair();
    expect(() => writer.write(Buffer.alloc(0))).toThrow(
      new LaneError('a frame of no bytes cannot be sent'),
    );
    expect(() => writer.write(Buffer.from([0xc1]))).toThrow(
      new LaneError('a frame of the byte 0xC1 cannot be sent'),
    );
  });

  describe('refuses a ring that breaks the rules', () => {
    /** A reader moved to the ring, over words written by hand. */
    function hostile() {
      const p = pair();
      p.reader.fromSocket(Buffer.from([0xc1]), p.take);
      const words = new Int32Array(p.buffer, 0, 48);
      const data = new Int32Array(p.buffer, 192, 16);
      return { ...p, words, data };
    }

    it('a tail more than the ring ahead', () => {
      const { reader, take, words } = hostile();
      Atomics.store(words, 0, kLaneCapacity + 4);
      expect(() => reader.poll(take)).toThrow(
        new LaneError(`the tail is ${kLaneCapacity + 4} bytes ahead`),
      );
    });

    it('a frame longer than the bytes published', () => {
      const { reader, take, words, data } = hostile();
      data[0] = 100;
      Atomics.store(words, 0, 8);
      expect(() => reader.poll(take)).toThrow(
        new LaneError('a frame of 100 bytes does not fit where it is'),
      );
    });

    it('a negative length', () => {
      const { reader, take, words, data } = hostile();
      data[0] = -7;
      Atomics.store(words, 0, 8);
      expect(() => reader.poll(take)).toThrow(
        new LaneError('a frame of -7 bytes does not fit where it is'),
      );
    });

    it('a frame on the socket that the ring has no marker for', () => {
      const { reader, take } = hostile();
      expect(() => reader.fromSocket(Buffer.from('x'), take)).toThrow(
        new LaneError('a frame came on the socket without its marker'),
      );
    });

    it('a switch to the ring while the reader reads the ring', () => {
      const { reader, take } = hostile();
      expect(() => reader.fromSocket(Buffer.from([0xc1]), take)).toThrow(
        new LaneError('a switch to the ring while reading the ring'),
      );
    });
  });
});
