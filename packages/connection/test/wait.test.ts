import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client, Listener, Pipe, wait, type Connection } from '@multiproc/connection';
import { Opened, hasSettled, sleep } from './helpers.js';

const opened = new Opened();
afterEach(() => opened.closeAll());

function pipe(): [Connection, Connection] {
  const pair = Pipe();
  opened.add(...pair);
  return pair;
}

describe('wait()', () => {
  it('resolves with the ready connections, in the order given', async () => {
    const [a1, b1] = pipe();
    const [a2, b2] = pipe();
    const [a3, b3] = pipe();
    a3.send(3);
    a1.send(1);
    expect(await wait([b1, b2, b3])).toEqual([b1, b3]);
    expect(await wait([b3, b2, b1], 0)).toEqual([b3, b1]);
    // Ready means a whole message (or end of file) is there; nothing is consumed.
    expect(await b1.recv()).toBe(1);
    expect(await wait([b1, b2, b3], 0)).toEqual([b3]);
    a2.close();
    expect(await wait([b1, b2], 0)).toEqual([b2]);
  });

  it('waits for the first message, and gives up after the timeout with []', async () => {
    const [a, b] = pipe();
    const started = performance.now();
    expect(await wait([b], 80)).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    const waiting = wait([b]);
    expect(await hasSettled(waiting)).toBe(false);
    a.send('now');
    expect(await waiting).toEqual([b]);
    expect(await wait([b], null)).toEqual([b]);
    expect(await wait([], 0)).toEqual([]);
    expect(await wait([b], -10)).toEqual([b]);
  });

  it('waits on promises and process sentinels: ready once settled, either way', async () => {
    const resolved = Promise.resolve(1);
    const rejected = Promise.reject(new Error('no'));
    const pending = new Promise(() => undefined);
    expect(await wait([pending, resolved, rejected], 0)).toEqual([resolved, rejected]);
    let resolveLater!: (v: number) => void;
    const later = new Promise<number>((r) => (resolveLater = r));
    const waiting = wait([pending, later]);
    await sleep(10);
    resolveLater(2);
    expect(await waiting).toEqual([later]);
  });

  it('does not keep a program alive for having waited on a daemon child’s sentinel', () => {
    const run = spawnSync(
      process.execPath,
      [join(__dirname, 'fixtures', 'drivers', 'wait-daemon.mjs')],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '0 null\n', '']);
  });

  it('mixes connections, listeners and promises', async () => {
    const [a, b] = pipe();
    const listener = await Listener.listen();
    opened.add(listener);
    expect(await wait([b, listener], 20)).toEqual([]);
    const client = await Client({ address: listener.address });
    opened.add(client);
    expect(await wait([b, listener], 2000)).toEqual([listener]);
    opened.add(await listener.accept());
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const waiting = wait([b, listener, promise]);
    expect(await hasSettled(waiting)).toBe(false);
    resolve();
    expect(await waiting).toEqual([promise]);
    a.send('x');
    expect(await wait([b, listener, promise], 1000)).toEqual([b, promise]);
  });

  it('rejects bad input with a TypeError naming it', async () => {
    const [a, b] = pipe();
    const [r, w] = Pipe(false);
    opened.add(r, w);
    await expect(wait(5 as never)).rejects.toThrow(
      'objects must be an iterable of Connections, Listeners and promises, got 5 (number)',
    );
    await expect(wait([b, 'x' as never])).rejects.toThrow(
      'objects[1] must be a Connection, a Listener or a promise, got "x" (string)',
    );
    await expect(wait([w])).rejects.toThrow('objects[0] must be a readable Connection');
    await expect(wait([b], 'soon' as never)).rejects.toThrow(
      'timeout must be a number of milliseconds, or null to wait forever, got "soon" (string)',
    );
    b.close();
    await expect(wait([b])).rejects.toThrow('Connection is closed');
    void a;
  });
});
