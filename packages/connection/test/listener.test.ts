import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import {
  AuthenticationError,
  Client,
  EOFError,
  Listener,
  Pipe,
  answerChallenge,
  deliverChallenge,
  wait,
  type Connection,
} from '@multiproc/connection';
import { Opened, sleep } from './helpers.js';

const opened = new Opened();
afterEach(() => opened.closeAll());

async function listen(options: Parameters<typeof Listener.listen>[0] = {}): Promise<Listener> {
  const listener = await Listener.listen(options);
  opened.add(listener);
  return listener;
}

describe('Listener and Client over Unix sockets', () => {
  it('listen in a private temporary directory by default, removed on close', async () => {
    const listener = await listen();
    const address = listener.address as string;
    expect(address.startsWith(join(tmpdir(), 'multiproc-'))).toBe(true);
    expect(address).toMatch(/\/listener-\d+$/);
    expect(listener.family).toBe('AF_UNIX');
    expect(existsSync(address)).toBe(true);
    const [client, server] = await Promise.all([Client({ address }), listener.accept()]);
    opened.add(client, server);
    expect(listener.lastAccepted).toBe('');
    client.send('over unix');
    expect(await server.recv()).toBe('over unix');
    listener.close();
    expect(existsSync(address)).toBe(false);
    expect(existsSync(dirname(address))).toBe(false);
    // Accepted connections outlive their listener.
    server.send('still here');
    expect(await client.recv()).toBe('still here');
  });

  it('listen at a given path, which is free again after close', async () => {
    const scratch = await listen();
    const path = join(dirname(scratch.address as string), 'chosen.sock');
    const listener = await listen({ address: path, family: 'AF_UNIX' });
    expect(listener.address).toBe(path);
    await expect(Listener.listen({ address: path })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    listener.close();
    expect(existsSync(path)).toBe(false);
    const again = await listen({ address: path });
    expect(again.address).toBe(path);
  });

  it('reject a Client with Node’s error when nobody listens', async () => {
    await expect(
      Client({ address: join(tmpdir(), 'multiproc-nobody-here.sock') }),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('Listener and Client over TCP', () => {
  it('report the real port when 0 was asked, and where the last connection came from', async () => {
    const listener = await listen({ address: ['localhost', 0] });
    const [host, port] = listener.address as [string, number];
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(listener.family).toBe('AF_INET');
    expect(listener.lastAccepted).toBeNull();
    const [client, server] = await Promise.all([
      Client({ address: ['localhost', port] }),
      listener.accept(),
    ]);
    opened.add(client, server);
    const [peerHost, peerPort] = listener.lastAccepted as [string, number];
    expect(peerHost).toBe('127.0.0.1');
    expect(Number.isInteger(peerPort) && peerPort > 0 && peerPort !== port).toBe(true);
    server.send([2.25, null, 'junk']);
    expect(await client.recv()).toEqual([2.25, null, 'junk']);
    expect(inspect(listener)).toBe(`<Listener AF_INET 127.0.0.1:${port}>`);
  });

  it('reject a Client with ECONNREFUSED when the port is closed', async () => {
    const listener = await listen({ address: ['127.0.0.1', 0] });
    const address = listener.address;
    listener.close();
    await expect(Client({ address })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('authentication', () => {
  it.each([
    ['strings', 'secret password', 'secret password'],
    ['a Buffer and a string', Buffer.from('secret password'), 'secret password'],
    ['Uint8Arrays', new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])],
    ['empty keys', '', Buffer.alloc(0)],
  ])('succeeds both ways with the same key (%s)', async (_name, listenerKey, clientKey) => {
    const listener = await listen({ authkey: listenerKey });
    expect(inspect(listener)).toMatch(/ authkey>$/);
    const [client, server] = await Promise.all([
      Client({ address: listener.address, authkey: clientKey }),
      listener.accept(),
    ]);
    opened.add(client, server);
    client.sendBytes(Buffer.from('after the handshake'));
    expect(String(await server.recvBytes())).toBe('after the handshake');
    // Past the handshake, messages may be large again.
    server.sendBytes(Buffer.alloc(1024 * 1024, 9));
    expect((await client.recvBytes()).length).toBe(1024 * 1024);
  });

  it('fails on both sides with a wrong key, and nothing else is accepted', async () => {
    const listener = await listen({ authkey: 'right' });
    const [clientError, acceptError] = await Promise.all([
      Client({ address: listener.address, authkey: 'wrong' }).catch((e: unknown) => e),
      listener.accept().catch((e: unknown) => e),
    ]);
    expect(clientError).toBeInstanceOf(AuthenticationError);
    expect((clientError as Error).message).toBe(
      'authentication failed: the digest we sent was rejected',
    );
    expect(acceptError).toBeInstanceOf(AuthenticationError);
    expect((acceptError as AuthenticationError).code).toBe('ERR_MP_AUTHENTICATION');
    expect((acceptError as Error).message).toBe(
      'authentication failed: the digest received was wrong',
    );
    // The listener goes on serving.
    const [client, server] = await Promise.all([
      Client({ address: listener.address, authkey: 'right' }),
      listener.accept(),
    ]);
    opened.add(client, server);
    client.send('ok');
    expect(await server.recv()).toBe('ok');
  });

  it('drops a client that does not answer within the handshake timeout', async () => {
    const listener = await listen({ authkey: 'key', handshakeTimeout: 300 });
    const started = performance.now();
    const client = await Client({ address: listener.address });
    opened.add(client);
    const error = (await listener.accept().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe('authentication failed: the client did not finish within 300 ms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // What such a client saw: the challenge, then the end.
    expect(String((await client.recvBytes()).subarray(0, 11))).toBe('#CHALLENGE#');
    await expect(client.recvBytes()).rejects.toThrow(EOFError);
  });

  it('gives up on a listener that sends no challenge within the handshake timeout', async () => {
    const listener = await listen();
    const accepted = listener.accept();
    const error = (await Client({
      address: listener.address,
      authkey: 'key',
      handshakeTimeout: 200,
    }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe('authentication failed: the listener did not finish within 200 ms');
    const server = await accepted;
    opened.add(server);
    await expect(server.recv()).rejects.toThrow(EOFError);
  });

  it('works on its own over any connection: deliverChallenge and answerChallenge', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    await Promise.all([deliverChallenge(a, 'k'), answerChallenge(b, 'k')]);
    await Promise.all([deliverChallenge(b, 'k'), answerChallenge(a, 'k')]);
    const [x, y] = Pipe();
    opened.add(x, y);
    const results = await Promise.allSettled([deliverChallenge(x, 'k1'), answerChallenge(y, 'k2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const result of results)
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AuthenticationError);
    await expect(deliverChallenge({} as never, 'k')).rejects.toThrow(
      'conn must be a Connection, got an object',
    );
    await expect(answerChallenge(a, 42 as never)).rejects.toThrow(
      'authkey must be a Buffer, Uint8Array or string, got 42 (number)',
    );
  });

  it('answers a legacy challenge (Python 3.8-3.11: 20 bytes, no prefix) with a raw HMAC-MD5, and accepts one', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    const answering = answerChallenge(b, 'k');
    const random = Buffer.alloc(20, 1);
    a.sendBytes(Buffer.concat([Buffer.from('#CHALLENGE#'), random]));
    expect(await a.recvBytes()).toEqual(createHmac('md5', 'k').update(random).digest());
    a.sendBytes(Buffer.from('#WELCOME#'));
    await answering;
    // A legacy answer to our prefixed challenge: HMAC-MD5 of the whole message, 16 raw bytes.
    const delivering = deliverChallenge(b, 'k');
    const challenge = (await a.recvBytes()).subarray('#CHALLENGE#'.length);
    a.sendBytes(createHmac('md5', 'k').update(challenge).digest());
    expect(String(await a.recvBytes())).toBe('#WELCOME#');
    await delivering;
    const refusing = deliverChallenge(b, 'k');
    const again = (await a.recvBytes()).subarray('#CHALLENGE#'.length);
    a.sendBytes(createHmac('md5', 'wrong').update(again).digest());
    await expect(refusing).rejects.toThrow(
      new AuthenticationError('authentication failed: the digest received was wrong'),
    );
    expect(String(await a.recvBytes())).toBe('#FAILURE#');
  });

  it('refuses a challenge that names an unknown digest', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    const answering = answerChallenge(b, 'k');
    a.sendBytes(Buffer.concat([Buffer.from('#CHALLENGE#{crc32}'), Buffer.alloc(40, 1)]));
    await expect(answering).rejects.toThrow(
      'authentication failed: the challenge names no digest we know, and is not a legacy (Python 3.8-3.11) one',
    );
  });
});

describe('accept() and close()', () => {
  it('rejects a waiting accept() on close, and every accept() after', async () => {
    const listener = await listen();
    const waiting = listener.accept();
    listener.close();
    listener.close();
    expect(listener.closed).toBe(true);
    await expect(waiting).rejects.toThrow('Listener is closed');
    await expect(listener.accept()).rejects.toMatchObject({ code: 'ERR_MP_CLOSED' });
    expect(inspect(listener)).toMatch(/ closed>$/);
  });

  it('closes connections beyond the backlog that nobody accepted', async () => {
    const listener = await listen({ backlog: 2 });
    const clients = await Promise.all(
      [1, 2, 3, 4].map(() => Client({ address: listener.address })),
    );
    opened.add(...clients);
    // Two are closed at once (end of file is "ready"); two wait in the listener's queue.
    const dropped: Connection[] = [];
    while (dropped.length < 2) {
      const ready = await wait(
        clients.filter((c) => !dropped.includes(c)),
        5000,
      );
      expect(ready.length).toBeGreaterThan(0);
      dropped.push(...ready);
    }
    expect(dropped).toHaveLength(2);
    for (const conn of dropped) await expect(conn.recv()).rejects.toThrow(EOFError);
    const accepted = [await listener.accept(), await listener.accept()];
    opened.add(...accepted);
    const kept = clients.filter((c) => !dropped.includes(c));
    for (const [i, conn] of kept.entries()) conn.send(i);
    expect((await Promise.all(accepted.map((c) => c.recv()))).sort()).toEqual([0, 1]);
  });

  it('closes connections not yet accepted when it closes', async () => {
    const listener = await listen();
    const client = await Client({ address: listener.address });
    opened.add(client);
    await sleep(50);
    listener.close();
    await expect(client.recv()).rejects.toThrow(EOFError);
  });

  it('supports using and await using', async () => {
    let kept: Listener | undefined;
    {
      await using listener = await Listener.listen();
      kept = listener;
    }
    expect(kept.closed).toBe(true);
    {
      using listener = await Listener.listen();
      kept = listener;
    }
    expect(kept.closed).toBe(true);
  });

  it('keeps a program alive only while an accept() waits', () => {
    const dist = join(__dirname, '..', 'dist', 'index.cjs');
    const script = `const { Listener } = require(${JSON.stringify(dist)});
      Listener.listen({ address: ['127.0.0.1', 0] }).then((l) => console.log('listening', l.address[1] > 0));`;
    const started = performance.now();
    const result = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.stdout).toBe('listening true\n');
    expect(result.status).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('bad options', () => {
  it('names the option, the expectation and what was received', async () => {
    await expect(Listener.listen('here' as never)).rejects.toThrow(
      'options must be an object, got "here" (string)',
    );
    await expect(Listener.listen({ address: 5 as never })).rejects.toThrow(
      'options.address must be a Unix socket path or a [host, port] pair with a port in 0..65535, got 5 (number)',
    );
    await expect(Listener.listen({ address: ['h', 70000] })).rejects.toThrow(
      'options.address must be a Unix socket path or a [host, port] pair with a port in 0..65535, got an array of length 2',
    );
    await expect(Listener.listen({ family: 'AF_PIPE' as never })).rejects.toThrow(
      "options.family must be 'AF_UNIX', 'AF_INET' or 'AF_INET6', got \"AF_PIPE\" (string)",
    );
    await expect(Listener.listen({ address: '/tmp/x.sock', family: 'AF_INET' })).rejects.toThrow(
      'options.address must be a [host, port] pair for AF_INET, got "/tmp/x.sock" (string)',
    );
    await expect(Listener.listen({ address: ['h', 1], family: 'AF_UNIX' })).rejects.toThrow(
      'options.address must be a socket path for AF_UNIX, got an array of length 2',
    );
    await expect(Listener.listen({ backlog: 0 })).rejects.toThrow(
      'options.backlog must be a positive integer, got 0 (number)',
    );
    await expect(Listener.listen({ authkey: 7 as never })).rejects.toThrow(
      'options.authkey must be a Buffer, Uint8Array or string, got 7 (number)',
    );
    await expect(Listener.listen({ handshakeTimeout: NaN })).rejects.toThrow(
      'options.handshakeTimeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
    );
    await expect(Client({ address: 'x', handshakeTimeout: '1s' as never })).rejects.toThrow(
      'options.handshakeTimeout must be a number of milliseconds, or null to wait forever, got "1s" (string)',
    );
    await expect(Client({} as never)).rejects.toThrow(
      'options.address must be a Unix socket path or a [host, port] pair, got undefined',
    );
    await expect(Client(null as never)).rejects.toThrow('options must be an object, got null');
    expect(() => new (Listener as unknown as new () => Listener)()).toThrow(
      'use Listener.listen() to create a Listener',
    );
  });
});

describe('a raw peer', () => {
  it('sees the challenge frame first, as Python 3.12 sends it', async () => {
    const listener = await listen({ authkey: 'k', handshakeTimeout: 1000 });
    const raw = createConnection({ path: listener.address as string });
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise((resolve) => raw.once('close', resolve));
    await expect(listener.accept()).rejects.toThrow(AuthenticationError);
    await closed;
    const bytes = Buffer.concat(chunks);
    expect(bytes.readUInt32BE(0)).toBe(11 + 8 + 40);
    expect(String(bytes.subarray(4, 4 + 19))).toBe('#CHALLENGE#{sha256}');
    expect(bytes.length).toBe(4 + 59);
  });
});
