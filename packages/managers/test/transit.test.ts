// A proxy in transit is held for its receiver (cpython#119937), but not forever: a hold whose
// receiver was SIGKILLed before it adopted the proxy is released once that death is known.
import { Pipe } from '@multiproc/connection';
import { Process } from '@multiproc/process';
import { Manager, type BaseProxy, type SyncManager } from '@multiproc/managers';
import { expectNoChildren, targets, until } from './helpers.js';

const authkey = 'transit test key';

/** The referent id of a proxy, from its `toString()` (`<DictProxy dict#5 at …>`). */
function oidOf(proxy: BaseProxy): number {
  return Number(/#(\d+) at /.exec(proxy.toString())?.[1]);
}

describe('proxies in transit', () => {
  let manager: SyncManager;
  beforeAll(async () => {
    manager = await Manager({ authkey });
  });
  afterAll(async () => {
    await manager.shutdown();
    await expectNoChildren();
  });

  const stats = () => manager.stats();

  /** Starts a raw peer and waits for its word. */
  async function rawPeer(
    target: (...args: never[]) => unknown,
    args: unknown[],
    word: string,
  ): Promise<Process> {
    const [here, there] = Pipe();
    const peer = new Process({ target, args: [...args, there] as never[] });
    peer.start();
    there.close();
    expect(await here.recv()).toBe(word);
    here.close();
    return peer;
  }

  it("a reply's proxy is released when its receiver is SIGKILLed before adopting it", async () => {
    const d = await manager.dict();
    const inner = await manager.list([1]);
    await d.set('k', inner);
    inner.dispose(); // only the dict holds it now
    const before = await stats();
    expect(before.inTransit).toBe(0);
    const peer = await rawPeer(
      targets.requestWithoutAdopting,
      [manager.address, authkey, oidOf(d), 'k'],
      'replied',
    );
    expect((await stats()).inTransit).toBe(1);
    process.kill(peer.pid as number, 'SIGKILL');
    await peer.join(5000);
    expect(await until(async () => (await stats()).inTransit, 0, 5000)).toBe(0);
    // Nothing holds the inner list but the dict: dropping it there frees it at once.
    await d.delete('k');
    expect((await stats()).referents).toBe(before.referents - 1);
    d.dispose();
  }, 20_000);

  it('a hold posted by a sender that was SIGKILLed, and never adopted, ends after the grace', async () => {
    const l = await manager.list([1]);
    const before = await stats();
    const peer = await rawPeer(targets.postTransit, [manager.address, authkey, oidOf(l)], 'posted');
    expect((await stats()).inTransit).toBe(1);
    process.kill(peer.pid as number, 'SIGKILL');
    await peer.join(5000);
    // A receiver that is alive adopts within milliseconds; the grace is 5 s.
    expect(await until(async () => (await stats()).inTransit, 0, 10_000)).toBe(0);
    l.dispose();
    expect((await stats()).referents).toBe(before.referents - 1);
  }, 20_000);
});
