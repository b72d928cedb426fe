import { Client, EOFError, Listener, Pipe, wait, type Connection } from '@multiproc/connection';
import { getContext, type Process, type StartMethod } from '@multiproc/process';
import {
  Opened,
  expectSameValue,
  joinedCleanly,
  killLeftovers,
  sampleValues,
  transports,
} from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<string, (...args: never[]) => unknown>;

const opened = new Opened();
afterEach(async () => {
  opened.closeAll();
  await killLeftovers();
});

const methods: StartMethod[] = ['spawn', 'thread'];

/** Starts `target(...args)` with `method`; the parent's copy of `give` is closed, as in Python. */
function start(
  method: StartMethod,
  target: unknown,
  give: Connection,
  ...args: unknown[]
): Process {
  const { Process } = getContext(method);
  const p = new Process({ target: target as never, args: [give, ...args] });
  p.start();
  give.close();
  return p;
}

/** Sends every sample value to an echoing child, expects each back, and then a clean exit. */
async function expectEchoes(mine: Connection, p: Process): Promise<void> {
  for (const [, value] of sampleValues()) {
    mine.send(value);
    expectSameValue(await mine.recv(), value);
  }
  mine.close();
  await joinedCleanly(p);
}

describe.each(methods)('connections passed to a %s child', (method) => {
  it.each(transports)('round-trip every kind of value over %s (async child)', async (transport) => {
    const [mine, theirs] = await opened.pair(transport);
    const p = start(method, targets.echo, theirs);
    await expectEchoes(mine, p);
  });

  it('round-trips with a child that receives with recvSync', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = start(method, targets.echoSync, theirs);
    await expectEchoes(mine, p);
  });

  it('keeps readable/writable and passes other arguments along', async () => {
    const [r, w] = Pipe(false);
    opened.add(r);
    const p = start(method, targets.describeArgs, w, 'x', [1, 2]);
    expect(await r.recv()).toEqual({ readable: false, writable: true, rest: ['x', [1, 2]] });
    await joinedCleanly(p);
  });

  it('does not deadlock when the child sends a large result, then blocks in recvSync', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const size = 8 * 1024 * 1024;
    const p = start(method, targets.bigResultWorker, theirs, size);
    for (let n = 1; n <= 3; n++) {
      mine.send(n);
      const result = await mine.recvBytes();
      expect(result.length).toBe(size);
      expect(result[0]).toBe(n);
      expect(result[size - 1]).toBe(n);
    }
    mine.send(null);
    await joinedCleanly(p);
  });

  it('delivers everything a child sent just before it returned', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const size = 4 * 1024 * 1024;
    const p = start(method, targets.sendAndExit, theirs, size, 5);
    for (let i = 0; i < 5; i++) {
      const message = await mine.recvBytes();
      expect(message.length).toBe(size);
      expect(message[0]).toBe(i);
      expect(message[size - 1]).toBe(i);
    }
    await expect(mine.recvBytes()).rejects.toThrow(EOFError);
    await joinedCleanly(p);
  });

  it('waits on pipes from four children and their sentinels (Python’s wait() example)', async () => {
    const readers: Connection[] = [];
    const processes: Process[] = [];
    for (let i = 0; i < 4; i++) {
      const [r, w] = Pipe(false);
      readers.push(r);
      opened.add(r);
      processes.push(start(method, targets.tenMessages, w, `P${i}`));
    }
    const got = new Map<string, number[]>();
    const open = [...readers];
    while (open.length > 0) {
      for (const r of await wait(open, 10_000)) {
        try {
          const [i, name] = await r.recv<[number, string]>();
          got.set(name, [...(got.get(name) ?? []), i]);
        } catch (error) {
          if (!(error instanceof EOFError)) throw error;
          open.splice(open.indexOf(r), 1);
        }
      }
    }
    expect([...got.keys()].sort()).toEqual(['P0', 'P1', 'P2', 'P3']);
    for (const sequence of got.values()) expect(sequence).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sentinels = processes.map((p) => p.sentinel);
    while (sentinels.length > 0) {
      const done = await wait(sentinels, 10_000);
      expect(done.length).toBeGreaterThan(0);
      for (const sentinel of done) void sentinels.splice(sentinels.indexOf(sentinel), 1);
    }
    expect(processes.map((p) => p.exitcode)).toEqual([0, 0, 0, 0]);
  });
});

describe('connections from a Listener/Client pair', () => {
  it.each(['unix', 'tcp'] as const)(
    'work in a child over %s, with authentication',
    async (kind) => {
      const listener = await Listener.listen({
        ...(kind === 'tcp' ? { address: ['127.0.0.1', 0] as const } : {}),
        authkey: 'child key',
      });
      opened.add(listener);
      const [mine, theirs] = await Promise.all([
        Client({ address: listener.address, authkey: 'child key' }),
        listener.accept(),
      ]);
      opened.add(mine);
      const p = start('spawn', targets.echo, theirs);
      mine.send({ over: kind });
      expect(await mine.recv()).toEqual({ over: kind });
      mine.close();
      await joinedCleanly(p);
    },
  );
});

describe('a child that dies', () => {
  it('gives EOFError to the parent waiting on it', async () => {
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = start('spawn', targets.recvThenHang, theirs);
    mine.send('hello');
    const waiting = mine.recv();
    // Let the child take the message, then kill it.
    await new Promise((r) => setTimeout(r, 200));
    p.kill();
    await expect(waiting).rejects.toThrow(EOFError);
    await p.join();
    expect(p.exitcode).toBe(-9);
  });
});

describe('passing a connection', () => {
  it('is refused while it holds bytes read ahead and not yet received', async () => {
    const [a, b] = Pipe();
    opened.add(a, b);
    a.send('unread');
    expect(await b.poll(1000)).toBe(true);
    const { Process } = getContext('spawn');
    const p = new Process({ target: targets.echo as never, args: [b] });
    expect(() => p.start()).toThrow(
      'this Connection has already read 11 bytes from its socket that the receiver would never see; receive them before passing it on',
    );
  });

  it('is refused once closed', () => {
    const [a, b] = Pipe();
    opened.add(a);
    b.close();
    const { Process } = getContext('spawn');
    const p = new Process({ target: targets.echo as never, args: [b] });
    expect(() => p.start()).toThrow('a closed Connection cannot be sent');
  });
});

describe.each(methods)('errors from a %s child', (method) => {
  it('an error of an exported class arrives as that class, with cause, properties and remote stack', async () => {
    const { AppError } = targets as unknown as { AppError: new (...args: never[]) => Error };
    const [mine, theirs] = Pipe();
    opened.add(mine);
    const p = start(method, targets.sendAppError, theirs);
    const error = await mine.recv<Error & { detail: unknown }>();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AppError');
    expect(error.message).toBe('disk full');
    expect(error.detail).toEqual({ free: 0 });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toBe('write failed');
    expect(error.stack).toMatch(
      /^AppError: disk full\n--- remote stack ---\nAppError: disk full\n {4}at /,
    );
    await joinedCleanly(p);
  });
});
