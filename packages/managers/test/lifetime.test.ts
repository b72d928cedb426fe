import { Process } from '@multiproc/process';
import { Manager, type BaseProxy, type ListProxy, type SyncManager } from '@multiproc/managers';
import { collectGarbage, expectNoChildren, rejection, targets, until } from './helpers.js';

describe('referent lifetime', () => {
  let manager: SyncManager;
  beforeAll(async () => {
    manager = await Manager({ authkey: 'lifetime test key' });
  });
  afterAll(async () => {
    await manager.shutdown();
    await expectNoChildren();
  });

  const referents = async () => (await manager.stats()).referents;

  it('no referent is left after 10,000 proxies are created and dropped', async () => {
    const before = await referents();
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => manager.dict({ batch })));
    }
    // Nothing holds them: garbage collection finalizes them and the releases reach the server.
    const collected = async () => {
      collectGarbage();
      return referents();
    };
    expect(await until(collected, before, 10_000)).toBe(before);
  });

  it('disposing a proxy releases its referent at once', async () => {
    const before = await referents();
    const proxies = await Promise.all(Array.from({ length: 50 }, () => manager.list()));
    expect(await referents()).toBe(before + 50);
    for (const p of proxies) p.dispose();
    expect(await referents()).toBe(before);
    const error = await rejection(proxies[0]!.append(1));
    expect(error.message).toBe('cannot call append() on a disposed list proxy');
  });

  it('a SIGKILLed client holding 1,000 proxies and a lock releases them all', async () => {
    const before = await referents();
    const ready = await manager.Queue();
    const lock = await manager.Lock();
    const p = new Process({
      target: targets.hold1000,
      args: [manager.address, 'lifetime test key', ready, lock],
    });
    p.start();
    expect(await ready.get({ timeout: 20_000 })).toBe('ready');
    expect(await referents()).toBe(before + 2 + 1000);
    expect(await lock.acquire({ timeout: 0 })).toBe(false);
    p.kill();
    await p.join();
    expect(p.exitcode).toBe(-9);
    // Its connection closed with it: its 1,000 dicts are gone, and the lock it held is free.
    expect(await until(referents, before + 2, 10_000)).toBe(before + 2);
    expect(await lock.acquire({ timeout: 5000 })).toBe(true);
    ready.dispose();
    lock.dispose();
    expect(await referents()).toBe(before);
  });

  it('a proxy stored in a container is released when the container drops it, or is released', async () => {
    const before = await referents();
    const d = await manager.dict();
    const l = await manager.list();
    const ns = await manager.Namespace();
    const store = async (put: (inner: BaseProxy) => Promise<unknown>) => {
      const inner = await manager.list([1]);
      await put(inner);
      inner.dispose(); // from now on only the container holds it
    };
    await store((inner) => d.set('a', inner));
    await store((inner) => d.set('b', [{ deep: inner }]));
    await store((inner) => l.append(inner));
    await store((inner) => ns.set('x', inner));
    // A child stores one too: the server holds a handle that came from another process.
    await store(async (inner) => {
      const p = new Process({ target: targets.storeIn, args: [d, 'child', inner] });
      p.start();
      await p.join(10_000);
      expect(p.exitcode).toBe(0);
    });
    expect(await referents()).toBe(before + 3 + 5);
    // Each drop releases at once; no garbage collection runs anywhere meanwhile.
    await d.set('a', 'overwritten');
    expect(await referents()).toBe(before + 3 + 4);
    const [popped] = (await d.pop('b')) as [{ deep: ListProxy }];
    expect(await popped.deep.copy()).toEqual([1]); // sent whole, then let go by the dict
    popped.deep.dispose();
    expect(await referents()).toBe(before + 3 + 3);
    ((await l.pop()) as BaseProxy).dispose(); // the caller got it: its proxy holds it now
    await ns.delete('x');
    await d.delete('child');
    expect(await referents()).toBe(before + 3);
    // Releasing a container releases what it holds.
    await store((inner) => d.set('c', inner));
    await store((inner) => l.extend([inner]));
    await store((inner) => ns.set('y', inner));
    expect(await referents()).toBe(before + 3 + 3);
    d.dispose();
    l.dispose();
    ns.dispose();
    expect(await referents()).toBe(before);
  });

  it('a proxy sent to a child and dropped at once by its sender stays alive for the child', async () => {
    const results = await manager.dict();
    const q = await manager.Queue();
    for (let i = 0; i < 5; i++) {
      const d = await manager.dict({ i });
      await q.put(d);
      d.dispose();
    }
    collectGarbage();
    const p = new Process({ target: targets.useFromQueue, args: [q, results] });
    p.start();
    await p.join();
    expect(await results.get('copy')).toEqual(
      new Map<string, unknown>([
        ['i', 0],
        ['from', 'third process'],
      ]),
    );
  });
});

describe('a manager whose server dies', () => {
  afterAll(expectNoChildren);

  it('rejects every pending and later call at once, naming its address', async () => {
    const manager = await Manager();
    const q = await manager.Queue();
    const pending = q.get();
    await q.qsize();
    const pid = await serverPid(manager);
    process.kill(pid, 'SIGKILL');
    const error = await rejection(pending);
    expect(error.code).toBe('ERR_MP_MANAGER_GONE');
    expect(error.message).toContain(`the manager at ${String(manager.address)} is gone`);
    const later = await rejection(q.qsize());
    expect(later.message).toBe(error.message);
    await manager.shutdown();
  });

  it('a call on a proxy of a manager that was shut down rejects, naming it', async () => {
    const manager = await Manager();
    const d = await manager.dict();
    await manager.shutdown();
    const error = await rejection(d.get('x'));
    expect(error.code).toBe('ERR_MP_MANAGER_SHUTDOWN');
    expect(error.message).toBe(`the manager at ${String(manager.address)} was shut down`);
    const create = await rejection(manager.dict());
    expect(create.message).toBe(
      `cannot create('dict'): the manager at ${String(manager.address)} was shut down`,
    );
  });
});

/** The pid of a manager's server process (through the process list of this test). */
async function serverPid(manager: SyncManager): Promise<number> {
  const { activeChildren } = await import('@multiproc/process');
  const child = activeChildren().find((p) => p.name === `${manager.constructor.name}-server`);
  return child?.pid as number;
}
