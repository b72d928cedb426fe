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
    // Released now, not at some later collection: the tests below count referents exactly.
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
