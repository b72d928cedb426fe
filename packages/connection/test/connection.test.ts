import { createConnection } from 'node:net';
import { inspect } from 'node:util';
import { BufferTooShort, Connection, EOFError, Listener, Pipe } from '@multiproc/connection';
import { ProcessError, MultiprocError } from '@multiproc/serialize';
import { Opened, expectSameValue, hasSettled, sampleValues, sleep, transports } from './helpers.js';

const opened = new Opened();
afterEach(() => opened.closeAll());

describe.each(transports)('a Connection over %s', (transport) => {
  it.each(sampleValues())('sends and receives %s', async (_name, value) => {
    const [a, b] = await opened.pair(transport);
    a.send(value);
    expectSameValue(await b.recv(), value);
  });

  it('keeps the order of many messages in both directions', async () => {
    const [a, b] = await opened.pair(transport);
    for (let i = 0; i < 5000; i++) a.send(i);
    for (let i = 0; i < 5000; i++) b.send(-i);
    const fromA: unknown[] = [];
    const fromB: unknown[] = [];
    for (let i = 0; i < 5000; i++) {
      fromA.push(await b.recv());
      fromB.push(await a.recv());
    }
    expect(fromA).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(fromB).toEqual(Array.from({ length: 5000 }, (_, i) => -i));
  });

  it('queues receives and answers them in order', async () => {
    const [a, b] = await opened.pair(transport);
    const pending = [b.recv(), b.recvBytes(), b.recv()];
    a.send('first');
    a.sendBytes(Buffer.from('second'));
    a.send({ third: 3 });
    const [first, second, third] = await Promise.all(pending);
    expect(first).toBe('first');
    expect(String(second)).toBe('second');
    expect(third).toEqual({ third: 3 });
  });

  it('sends bytes from typed arrays, DataViews and ArrayBuffers, with offset and size', async () => {
    const [a, b] = await opened.pair(transport);
    a.sendBytes(Buffer.from('hello world'), 6);
    a.sendBytes(Buffer.from('hello world'), 0, 5);
    a.sendBytes(new Int32Array([42, 1729]));
    a.sendBytes(new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2));
    a.sendBytes(new Uint8Array([7, 8, 9]).buffer, 1, 1);
    a.sendBytes(Buffer.alloc(0));
    expect(String(await b.recvBytes())).toBe('world');
    expect(String(await b.recvBytes())).toBe('hello');
    const ints = await b.recvBytes();
    expect([
      ...new Int32Array(ints.buffer.slice(ints.byteOffset, ints.byteOffset + ints.length)),
    ]).toEqual([42, 1729]);
    expect([...(await b.recvBytes())]).toEqual([2, 3]);
    expect([...(await b.recvBytes())]).toEqual([8]);
    expect((await b.recvBytes()).length).toBe(0);
  });

  it('copies what it could not send at once, so the caller may reuse its buffer', async () => {
    const [a, b] = await opened.pair(transport);
    const buf = Buffer.alloc(8 * 1024 * 1024, 1);
    a.sendBytes(buf);
    buf.fill(2);
    a.sendBytes(buf);
    const first = await b.recvBytes();
    const second = await b.recvBytes();
    expect(first.length).toBe(buf.length);
    expect(first.every((byte) => byte === 1)).toBe(true);
    expect(second.every((byte) => byte === 2)).toBe(true);
    await a.drain();
  });

  it('refuses a message longer than maxlength and closes the connection', async () => {
    const [a, b] = await opened.pair(transport);
    a.sendBytes(Buffer.alloc(10));
    a.sendBytes(Buffer.alloc(11));
    expect((await b.recvBytes(10)).length).toBe(10);
    const error = (await b.recvBytes(10).catch((e: unknown) => e)) as ProcessError;
    expect(error).toBeInstanceOf(ProcessError);
    expect(error.code).toBe('ERR_MP_MESSAGE_TOO_LONG');
    expect(error.message).toBe(
      'message of 11 bytes is longer than maxlength 10; the connection is closed',
    );
    expect(b.closed).toBe(true);
  });

  it('receives into a buffer at an offset, and reports the length', async () => {
    const [a, b] = await opened.pair(transport);
    const arr = new Int32Array(10);
    a.sendBytes(new Int32Array([0, 1, 2, 3, 4]));
    expect(await b.recvBytesInto(arr)).toBe(20);
    expect([...arr]).toEqual([0, 1, 2, 3, 4, 0, 0, 0, 0, 0]);
    a.sendBytes(new Int32Array([7, 8]));
    expect(await b.recvBytesInto(arr, 12)).toBe(8);
    expect([...arr]).toEqual([0, 1, 2, 7, 8, 0, 0, 0, 0, 0]);
  });

  it('receives a large message straight into the buffer given to recvBytesInto', async () => {
    const [a, b] = await opened.pair(transport);
    const message = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < message.length; i += 4099) message[i] = i % 251;
    const target = Buffer.alloc(message.length + 100, 0xee);
    const received = b.recvBytesInto(target, 50);
    a.sendBytes(message);
    expect(await received).toBe(message.length);
    expect(target.subarray(50, 50 + message.length).equals(message)).toBe(true);
    expect(target[49]).toBe(0xee);
    expect(target[50 + message.length]).toBe(0xee);
  });

  it('rejects with BufferTooShort, holding the whole message, when it does not fit', async () => {
    const [a, b] = await opened.pair(transport);
    a.sendBytes(Buffer.from('0123456789'));
    const error = (await b
      .recvBytesInto(Buffer.alloc(12), 4)
      .catch((e: unknown) => e)) as BufferTooShort;
    expect(error).toBeInstanceOf(BufferTooShort);
    expect(error.name).toBe('BufferTooShort');
    expect(String(error.data)).toBe('0123456789');
    expect(error.message).toBe(
      'buffer too short: the message is 10 bytes, the buffer has 8 from offset 4',
    );
    // The connection goes on.
    a.send('next');
    expect(await b.recv()).toBe('next');
  });

  it('polls: false with nothing to read, true once a whole message is there, without consuming it', async () => {
    const [a, b] = await opened.pair(transport);
    expect(await b.poll()).toBe(false);
    expect(await b.poll(0)).toBe(false);
    const started = performance.now();
    expect(await b.poll(60)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    a.send('here');
    expect(await b.poll(1000)).toBe(true);
    expect(await b.poll()).toBe(true);
    expect(await b.recv()).toBe('here');
    expect(await b.poll()).toBe(false);
    const waiting = b.poll(null);
    expect(await hasSettled(waiting)).toBe(false);
    a.sendBytes(Buffer.from('late'));
    expect(await waiting).toBe(true);
    expect(String(await b.recvBytes())).toBe('late');
  });

  it('polls false while only part of a large message has arrived', async () => {
    const [a, b] = await opened.pair(transport);
    a.sendBytes(Buffer.alloc(4 * 1024 * 1024));
    // Nobody reads b yet, so at most the socket buffers hold part of the message.
    expect(await b.poll(0)).toBe(false);
    expect(await b.poll(2000)).toBe(true);
    expect((await b.recvBytes()).length).toBe(4 * 1024 * 1024);
  });

  it('delivers what is left, then rejects with EOFError, once the other end closed', async () => {
    const [a, b] = await opened.pair(transport);
    a.send(1);
    a.send(2);
    a.close();
    expect(await b.recv()).toBe(1);
    expect(await b.poll()).toBe(true);
    expect(b.recvSync()).toBe(2);
    expect(await b.poll()).toBe(true);
    const error = (await b.recv().catch((e: unknown) => e)) as EOFError;
    expect(error).toBeInstanceOf(EOFError);
    expect(error.code).toBe('ERR_MP_EOF');
    expect(error.message).toBe('end of file: the other end of the connection is closed');
    await expect(b.recvBytes()).rejects.toThrow(EOFError);
    expect(() => b.recvSync()).toThrow(EOFError);
  });

  it('rejects a waiting receive when the other end closes', async () => {
    const [a, b] = await opened.pair(transport);
    const waiting = b.recv();
    await sleep(10);
    a.close();
    await expect(waiting).rejects.toThrow('end of file: the other end of the connection is closed');
  });

  it('fails a send with EOFError once the other end is gone', async () => {
    const [a, b] = await opened.pair(transport);
    b.close();
    await sleep(20);
    let error: unknown;
    for (let i = 0; i < 100 && !error; i++) {
      try {
        a.sendBytes(Buffer.alloc(64 * 1024));
      } catch (e) {
        error = e;
      }
      await sleep(1);
    }
    expect(error).toBeInstanceOf(EOFError);
    expect((error as Error).message).toBe('cannot send: the other end of the connection is closed');
  });

  it('receives synchronously what is already there, and refuses while a recv() waits', async () => {
    const [a, b] = await opened.pair(transport);
    a.send({ sync: true });
    expect(b.recvSync()).toEqual({ sync: true });
    const waiting = b.recv();
    expect(() => b.recvSync()).toThrow(
      'recvSync() cannot run while a recv() on this Connection is waiting: it would take that message',
    );
    a.send('for the waiting recv');
    expect(await waiting).toBe('for the waiting recv');
  });

  it('closes: idempotent, rejects what waits, refuses what follows', async () => {
    const [a, b] = await opened.pair(transport);
    const waiting = b.recv();
    const polling = b.poll(null);
    b.close();
    b.close();
    expect(b.closed).toBe(true);
    await expect(waiting).rejects.toThrow('Connection is closed');
    await expect(polling).rejects.toThrow('Connection is closed');
    await expect(b.recv()).rejects.toThrow(ProcessError);
    await expect(b.poll()).rejects.toThrow('Connection is closed');
    await expect(b.drain()).rejects.toThrow('Connection is closed');
    expect(() => b.send(1)).toThrow('Connection is closed');
    expect(() => b.recvSync()).toThrow('Connection is closed');
    expect(() => b.fileno()).toThrow('Connection is closed');
    const error = (await b.recvBytes().catch((e: unknown) => e)) as ProcessError;
    expect(error.code).toBe('ERR_MP_CLOSED');
    expect(error).toBeInstanceOf(MultiprocError);
    void a;
  });

  it('drains: resolves once the OS has taken everything sent', async () => {
    const [a, b] = await opened.pair(transport);
    await a.drain();
    a.sendBytes(Buffer.alloc(16 * 1024 * 1024));
    const drained = a.drain();
    expect(await hasSettled(drained)).toBe(false);
    const received = b.recvBytes();
    await drained;
    expect((await received).length).toBe(16 * 1024 * 1024);
  });

  it('closes after what is still being sent has been written', async () => {
    const [a, b] = await opened.pair(transport);
    const big = Buffer.alloc(12 * 1024 * 1024, 3);
    a.sendBytes(big);
    a.send('after');
    a.close();
    expect(a.closed).toBe(true);
    expect((await b.recvBytes()).equals(big)).toBe(true);
    expect(await b.recv()).toBe('after');
    await expect(b.recv()).rejects.toThrow(EOFError);
  });

  it('has a file descriptor, an inspectable state, and disposes', async () => {
    const [a, b] = await opened.pair(transport);
    const fd = a.fileno();
    expect(fd).toBeGreaterThan(2);
    expect(fd).not.toBe(b.fileno());
    expect(inspect(a)).toBe(`<Connection ${transport} fd=${fd} duplex open>`);
    expect(a.readable && a.writable).toBe(true);
    {
      using c = a;
      expect(c.closed).toBe(false);
    }
    expect(a.closed).toBe(true);
    expect(String(a)).toBe(`<Connection ${transport} fd=${fd} duplex closed>`);
  });
});

describe('Pipe(false)', () => {
  it('gives [reader, writer] and enforces the direction', async () => {
    const [r, w] = Pipe(false);
    opened.add(r, w);
    expect([r.readable, r.writable, w.readable, w.writable]).toEqual([true, false, false, true]);
    expect(() => r.send(1)).toThrow('Connection is read-only');
    expect(() => r.sendBytes(Buffer.from('x'))).toThrow(ProcessError);
    await expect(w.recv()).rejects.toThrow('Connection is write-only');
    await expect(w.poll()).rejects.toThrow('Connection is write-only');
    expect(() => w.recvSync()).toThrow('Connection is write-only');
    w.send('one way');
    expect(await r.recv()).toBe('one way');
    expect(inspect(r)).toMatch(/^<Connection pipe fd=\d+ reader open>$/);
    expect(inspect(w)).toMatch(/^<Connection pipe fd=\d+ writer open>$/);
  });
});

describe('bad input', () => {
  it('names the argument and what was received', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    expect(() => Pipe('yes' as never)).toThrow('duplex must be a boolean, got "yes" (string)');
    expect(() => a.send({ handler: () => 1 })).toThrow(
      'obj.handler is a function and cannot be sent: functions (here handler) travel only as targets or tasks, not inside arguments',
    );
    expect(() => a.sendBytes('text' as never)).toThrow(
      'buf must be a Buffer, typed array, DataView or ArrayBuffer, got "text" (string)',
    );
    expect(() => a.sendBytes(Buffer.alloc(4), 5)).toThrow(
      'offset must be an integer between 0 and 4, got 5 (number)',
    );
    expect(() => a.sendBytes(Buffer.alloc(4), 1, 4)).toThrow(
      'size must be an integer between 0 and 3, got 4 (number)',
    );
    expect(() => a.sendBytes(Buffer.alloc(4), -1)).toThrow(TypeError);
    await expect(b.recvBytes(-1)).rejects.toThrow(
      'maxlength must be a non-negative integer, got -1 (number)',
    );
    await expect(b.recvBytesInto([] as never)).rejects.toThrow(
      'buf must be a Buffer, typed array, DataView or ArrayBuffer, got an array of length 0',
    );
    await expect(b.recvBytesInto(Buffer.alloc(2), 3)).rejects.toThrow(
      'offset must be an integer between 0 and 2, got 3 (number)',
    );
    await expect(b.poll('soon' as never)).rejects.toThrow(
      'timeout must be a number of milliseconds, or null to wait forever, got "soon" (string)',
    );
    await expect(b.poll(NaN)).rejects.toThrow(TypeError);
    expect(await b.poll(-5)).toBe(false);
    expect(() => new (Connection as unknown as new () => Connection)()).toThrow(
      'Connection cannot be constructed directly; use Pipe(), Client() or Listener.accept()',
    );
    // Sockets travel only to child processes, at start.
    const [c, d] = Pipe();
    opened.add(c, d);
    expect(() => a.send(c)).toThrow(/socket cannot travel this way/);
  });
});

describe('a message cut short', () => {
  it('rejects with EOFError saying the other end closed in the middle of it', async () => {
    const listener = await Listener.listen();
    opened.add(listener);
    const raw = createConnection({ path: listener.address as string });
    const conn = await listener.accept();
    opened.add(conn);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(100);
    raw.end(Buffer.concat([header, Buffer.alloc(40)]));
    await expect(conn.recvBytes()).rejects.toThrow(
      'end of file in the middle of a message: the other end closed after sending 40 of its 100 bytes',
    );
    raw.destroy();
  });
});
