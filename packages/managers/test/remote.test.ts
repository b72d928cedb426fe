import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Client } from '@multiproc/connection';
import { activeChildren } from '@multiproc/process';
import { AuthenticationError } from '@multiproc/serialize';
import { BaseManager, Manager, SyncManager } from '@multiproc/managers';
import { expectNoChildren, rejection, targets } from './helpers.js';

const authkey = 'remote test key';

describe('a TCP manager', () => {
  let manager: SyncManager;
  let address: readonly [string, number];
  beforeAll(async () => {
    manager = await Manager({ address: ['127.0.0.1', 0], authkey });
    address = manager.address as readonly [string, number];
  });
  afterAll(async () => {
    await manager.shutdown();
    await expectNoChildren();
  });

  it('serves another manager object that connects with the key', async () => {
    const d = await manager.dict({ shared: true });
    const client = new SyncManager({ address, authkey: Buffer.from(authkey) });
    await client.connect();
    const list = await client.list([1]);
    await list.append(2);
    expect(await list.copy()).toEqual([1, 2]);
    expect(await d.get('shared')).toBe(true);
    // Released now, not at some later collection: the fuzz test below counts referents exactly.
    list.dispose();
    d.dispose();
  });

  it('refuses a client with a wrong key with AuthenticationError', async () => {
    const client = new SyncManager({ address, authkey: 'wrong key' });
    const error = await rejection(client.connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe('ERR_MP_AUTHENTICATION');
    expect(client.state).toBe('shutdown');
  });

  it('never runs anything for a peer that did not prove the key, and survives garbage before auth', async () => {
    const before = await manager.stats();
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = connect(address[1], address[0], () => {
              // A length-prefixed 'create' request as an unauthenticated peer would send it, then noise.
              socket.write(
                i % 2
                  ? randomBytes(300 + i * 50)
                  : Buffer.from([
                      0, 0, 0, 12, 0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa6, 0x63, 0x72, 0x65, 0x61,
                      0x74,
                    ]),
              );
            });
            socket.on('error', () => resolve());
            socket.on('close', () => resolve());
            setTimeout(() => socket.destroy(), 300);
          }),
      ),
    );
    const after = await manager.stats();
    expect(after.referents).toBe(before.referents);
    const value = await manager.Value('i', 5);
    expect(await value.get()).toBe(5);
    value.dispose();
  });

  it('survives fuzzed frames from authenticated peers, and still counts exactly', async () => {
    const before = (await manager.stats()).referents;
    const shapes = [
      { type: 'call', id: 1, oid: 1, method: 'constructor', args: [] },
      { type: 'call', id: 2, oid: 999999, method: 'get', args: [], timeout: null },
      { type: 'create', id: 3, typeid: '__proto__', args: [] },
      { type: 'create', id: 4, typeid: 'constructor', args: [] },
      { type: 'create', id: 5, typeid: 'dict', args: 'not an array' },
      { type: 'decref', oids: [1, 2, 3, 1, 1] },
      { type: 'adopt', oid: -1, tid: 'nobody' },
      { type: 'stats' },
      { type: 'shutdown' },
      null,
      [1, 2, 3],
      'text',
    ];
    for (const frame of shapes) {
      const conn = await Client({ address, authkey });
      conn.send(frame);
      conn.send({ type: 'stats', id: 77 });
      await conn.recv().catch(() => undefined);
      conn.close();
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 64 })), { maxLength: 8 }),
        async (frames) => {
          const conn = await Client({ address, authkey });
          for (const frame of frames) {
            try {
              if (frame instanceof Uint8Array) conn.sendBytes(frame);
              else conn.send(frame);
            } catch {
              // fast-check made something this side cannot encode: nothing was sent.
            }
          }
          conn.close();
        },
      ),
      { numRuns: 60 },
    );
    expect((await manager.stats()).referents).toBe(before);
    expect(await (await manager.list([1, 2])).length()).toBe(2);
  });
});

describe('authkey rules', () => {
  afterAll(expectNoChildren);

  it('a TCP manager refuses to start without an authkey', () => {
    expect(() => new SyncManager({ address: ['127.0.0.1', 0] })).toThrow(
      'a TCP manager needs options.authkey (a Buffer or string), or { authkey: null, allowUnauthenticated: true }',
    );
    expect(() => new SyncManager({ address: ['127.0.0.1', 0], authkey: null })).toThrow(
      'options.authkey is null: a manager without a key serves anyone who reaches it; pass allowUnauthenticated: true to mean that',
    );
  });

  it('with { authkey: null, allowUnauthenticated: true } it serves anyone, but its Pool takes no functions', async () => {
    await using open = await Manager({
      address: ['127.0.0.1', 0],
      authkey: null,
      allowUnauthenticated: true,
    });
    const client = new SyncManager({
      address: open.address,
      authkey: null,
      allowUnauthenticated: true,
    });
    await client.connect();
    const ns = await client.Namespace();
    await ns.set('x', 1);
    expect(await ns.get('x')).toBe(1);
    const pool = await client.Pool(1);
    const error = await rejection(pool.apply(targets.square, [3]));
    expect(error.message).toBe(
      'this manager serves unauthenticated clients, so its Pool accepts no functions',
    );
  });

  it('a client that loses its server reports it once and does not retry', async () => {
    class Remote extends BaseManager {}
    const started = await Manager({ address: ['127.0.0.1', 0], authkey });
    const client = new Remote({ address: started.address, authkey });
    await client.connect();
    const server = activeChildren().find((p) => p.name === 'SyncManager-server');
    server?.kill();
    await server?.join();
    const first = await rejection(client.create('dict'));
    expect(first.code).toBe('ERR_MP_MANAGER_GONE');
    expect(first.message).toContain(
      `the manager at 127.0.0.1:${(started.address as [string, number])[1]} is gone`,
    );
    const second = await rejection(client.create('dict'));
    expect(second).toBe(first);
    await started.shutdown();
  });
});
