// Messages of 1 GiB, and what sending and receiving cost in memory, measured in child processes
// (peak resident set growth while one message goes through).
import { Pipe, type Connection } from '@multiproc/connection';
import { Process } from '@multiproc/process';
import { Opened, killLeftovers } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as {
  measureSend: (conn: Connection, size: number, how: string) => Promise<void>;
  measureReceive: (conn: Connection, how: string) => Promise<void>;
  sendAndExit: (conn: Connection, size: number, count: number) => void;
  pattern: (size: number) => Buffer;
  sample: (buffer: Buffer) => number;
  patternSample: (size: number) => number;
};

jest.setTimeout(180_000);
const opened = new Opened();
afterEach(async () => {
  opened.closeAll();
  await killLeftovers();
});

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

function child(target: unknown, conn: Connection, ...args: unknown[]): Process {
  const p = new Process({ target: target as never, args: [conn, ...args] });
  p.start();
  conn.close();
  return p;
}

describe('messages of 1 GiB', () => {
  it('arrive whole with sendBytes/recvBytes', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = child(targets.measureSend, theirs, GiB, 'bytes');
    const message = await mine.recvBytes();
    expect(message.length).toBe(GiB);
    expect(targets.sample(message)).toBe(targets.patternSample(GiB));
    await mine.recv(); // the child's memory report
    mine.send('done');
    await p.join();
    expect(p.exitcode).toBe(0);
  });

  it('arrive whole with send/recv (an object holding a 1 GiB Buffer)', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = child(targets.measureReceive, theirs, 'object');
    mine.send({ data: targets.pattern(GiB) });
    const report = await mine.recv<{ length: number; sum: number }>();
    expect(report.length).toBe(GiB);
    expect(report.sum).toBe(targets.patternSample(GiB));
    await p.join();
    expect(p.exitcode).toBe(0);
  });
});

describe('memory while one message of N bytes goes through', () => {
  const N = 256 * MiB;
  // Sending or receiving N bytes may cost N more (a copy, the received message); not 2N.
  const bound = N * 1.15 + 32 * MiB;

  it.each(['bytes', 'object'])('the sender grows by at most about N (%s)', async (how) => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = child(targets.measureSend, theirs, N, how);
    const message =
      how === 'bytes' ? await mine.recvBytes() : (await mine.recv<{ data: Buffer }>()).data;
    expect(message.length).toBe(N);
    const { grew } = await mine.recv<{ grew: number }>();
    mine.send('done');
    await p.join();
    expect(grew).toBeLessThan(bound);
  });

  it.each(['bytes', 'object'])('the receiver grows by at most about N (%s)', async (how) => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = child(targets.measureReceive, theirs, how);
    const data = targets.pattern(N);
    if (how === 'bytes') mine.sendBytes(data);
    else mine.send({ data });
    const report = await mine.recv<{ length: number; sum: number; grew: number }>();
    await p.join();
    expect(report.length).toBe(N);
    expect(report.sum).toBe(targets.patternSample(N));
    // It does hold the message (so the measurement measures something) …
    expect(report.grew).toBeGreaterThan(N * 0.9);
    // … and nothing like a second copy of it.
    expect(report.grew).toBeLessThan(bound);
  });
});
