// Connections keep their resources bounded against a peer that announces huge messages, stops
// reading, or never reads at all.
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { Listener, Pipe, type Connection } from '@multiproc/connection';
import { getContext } from '@multiproc/process';
import { Opened, joinedCleanly, killLeftovers, sleep } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<string, (...args: never[]) => unknown>;

const opened = new Opened();
const peers: Socket[] = [];
afterEach(async () => {
  opened.closeAll();
  for (const socket of peers.splice(0)) socket.destroy();
  await killLeftovers();
});

/** This process's virtual memory size in MiB (counts every mapping, touched or not). */
function vmSizeMiB(): number {
  const line = /VmSize:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(line?.[1]) / 1024;
}

/** A listener's connection and the raw socket of its peer. */
async function rawPeer(): Promise<[Connection, Socket]> {
  const listener = await Listener.listen({ family: 'AF_INET' });
  opened.add(listener);
  const accepted = listener.accept();
  const port = (listener.address as [string, number])[1];
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const conn = await accepted;
  opened.add(conn);
  peers.push(socket);
  return [conn, socket];
}

const oneGiBHeader = Buffer.from([0x40, 0x00, 0x00, 0x00]);

describe('recvBytes(maxlength)', () => {
  it('refuses a frame announcing 1 GiB from its header, allocating nothing for it', async () => {
    const [conn, peer] = await rawPeer();
    const before = vmSizeMiB();
    peer.write(Buffer.concat([oneGiBHeader, Buffer.alloc(100_000, 7)]));
    const error = await conn.recvBytes(100).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_MP_MESSAGE_TOO_LONG',
      message: 'message of 1073741824 bytes is longer than maxlength 100; the connection is closed',
    });
    expect(conn.closed).toBe(true);
    expect(vmSizeMiB() - before).toBeLessThan(256);
  });

  it('allocates nothing for a huge header that arrives while nobody receives', async () => {
    const [conn, peer] = await rawPeer();
    peer.write(Buffer.from([0, 0, 0, 2, 0x68, 0x69]));
    expect(String(await conn.recvBytes())).toBe('hi');
    const before = vmSizeMiB();
    // Read ahead after the last receive: the header comes in, its body must not be allocated.
    peer.write(Buffer.concat([oneGiBHeader, Buffer.alloc(100_000, 7)]));
    await sleep(200);
    expect(vmSizeMiB() - before).toBeLessThan(256);
    await expect(conn.recvBytes(1000)).rejects.toMatchObject({ code: 'ERR_MP_MESSAGE_TOO_LONG' });
    expect(vmSizeMiB() - before).toBeLessThan(256);
  });
});

describe('back-pressure', () => {
  it('send() answers false past 4 MiB pending, and drain() resolves once the reader took it', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const answers: boolean[] = [];
    for (let i = 0; i < 8; i++) answers.push(a.sendBytes(chunk));
    expect(answers.slice(0, 3)).toEqual([true, true, true]);
    expect(answers.slice(5)).toEqual([false, false, false]);
    const drained = a.drain();
    for (let i = 0; i < 8; i++) expect((await b.recvBytes()).length).toBe(chunk.length);
    await drained;
    expect(a.send('small')).toBe(true);
    expect(await b.recv()).toBe('small');
  });

  it('sendBytesSync() in a child blocks until the parent reads', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const { Process } = getContext('spawn');
    const [done, flag] = Pipe();
    opened.add(done, flag);
    const p = new Process({
      target: targets['sendBigSync'] as never,
      args: [theirs, 32 * 1024 * 1024, flag],
    });
    p.start();
    theirs.close();
    flag.close();
    // The child blocks in sendBytesSync: its "sent" cannot come while nobody reads.
    expect(await done.poll(800)).toBe(false);
    expect((await mine.recvBytes()).length).toBe(32 * 1024 * 1024);
    expect(await done.recv()).toBe('sent');
    await joinedCleanly(p);
  });
});

describe('close()', () => {
  it('destroys the socket of a peer that reads nothing for 5 s, dropping what is pending', async () => {
    const [a, b] = Pipe();
    opened.add(b);
    a.sendBytes(Buffer.alloc(16 * 1024 * 1024, 1));
    a.close();
    await sleep(5_600);
    // What the kernel holds arrives, then the end of the message never does.
    await expect(b.recvBytes()).rejects.toThrow(
      /^end of file in the middle of a message: the other end closed after sending \d+ of its 16777216 bytes$/,
    );
  }, 15_000);
});

describe('process exit', () => {
  it('a child whose peer never reads still exits, after writing for at most 5 s', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const { Process } = getContext('spawn');
    const p = new Process({
      target: targets['sendBigAndExit'] as never,
      args: [theirs, 64 * 1024 * 1024],
    });
    p.start();
    theirs.close();
    await p.join(20_000);
    expect(p.exitcode).toBe(0);
  }, 30_000);
});
