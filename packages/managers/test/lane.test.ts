// The shared-memory lane of a local manager connection, across real processes: calls keep
// their order when the ring is full and when frames are too big for it, a client SIGKILLed at
// any point costs the server nothing, a hostile ring loses only its own client, and no lane
// segment is ever left in /dev/shm.
import { Client } from '@multiproc/connection';
import { Process } from '@multiproc/process';
import { decode, encodeTrusted } from '@multiproc/serialize';
import { SharedMemory } from '@multiproc/shared-memory';
import type { SyncManager } from '@multiproc/managers';
import { runNode, shmNamesWhere, sleep } from '../../../tooling/test-helpers.js';
import { targets, until, useManager } from './helpers.js';

const authkey = 'lane test key';
const laneSegments = (): Set<string> => shmNamesWhere((name) => name.startsWith('mp_lane_'));

describe('a local manager connection', () => {
  let manager!: SyncManager;
  useManager((m) => (manager = m), { authkey });

  afterEach(() => {
    // Each client unlinks its lane's name once it has mapped it.
    expect([...laneSegments()]).toEqual([]);
  });

  it('carries a flood of calls in order, through a full ring and frames too big for it', async () => {
    const l = await manager.list<number | Buffer>();
    const p = new Process({ target: targets.appendFlood, args: [l, 3000, 8_000, 40_000] });
    p.start();
    await p.join(30_000);
    expect(p.exitcode).toBe(0);
    // 24 MB back in one reply: far past the ring, so through the socket in its place.
    const items = await l.copy();
    expect(items).toHaveLength(3000);
    const wrong = items.flatMap((item, i) => {
      if (i % 10 === 0) return item === i ? [] : [i];
      const bytes = item as Buffer;
      const size = i % 100 === 1 ? 40_000 : 8_000;
      const ok =
        bytes.length === size && bytes.readUInt32LE(0) === i && bytes[size - 1] === (i & 0xff);
      return ok ? [] : [i];
    });
    expect(wrong).toEqual([]);
    const stats = await manager.stats();
    expect(stats.lanes).toBe(1); // this process's own; the child's went with it
    l.dispose();
  });

  it('serves on when clients are SIGKILLed mid-call, again and again', async () => {
    const d = await manager.dict<string, unknown>();
    const before = await manager.stats();
    for (let round = 0; round < 8; round++) {
      const key = `k${round}`;
      const p = new Process({ target: targets.hammer, args: [d, key] });
      p.start();
      expect(
        await until(async () => (((await d.get(key)) ?? 0) as number) >= 40, true, 10_000),
      ).toBe(true);
      await sleep(round % 4); // somewhere in a call, a frame on the socket or a ring
      p.kill();
      await p.join(5000);
      expect(p.exitcode).toBe(-9);
      const settled = await until(
        async () => (await manager.stats()).connections === before.connections,
        true,
        5000,
      );
      expect(settled).toBe(true);
    }
    expect((await manager.stats()).lanes).toBe(before.lanes);
    // Every value the killed clients set is whole.
    for (let round = 0; round < 8; round++) {
      const big = (await d.get(`k${round}:big`)) as Buffer;
      expect(big.length).toBeGreaterThanOrEqual(20_000);
      expect(big.every((byte) => byte === big[0])).toBe(true);
    }
    // And the server still answers a new client.
    const l = await manager.list<number>([1, 2, 3]);
    const again = new Process({ target: targets.mutate, args: [d, l] });
    again.start();
    await again.join(10_000);
    expect(again.exitcode).toBe(0);
    expect(await l.copy()).toEqual([3, 2, 1]);
    l.dispose();
    d.dispose();
  });

  it('drops a client whose ring breaks the rules, and only that client', async () => {
    const d = await manager.dict<string, number>();
    const before = await manager.stats();
    const conn = await Client({ address: manager.address!, authkey: Buffer.from(authkey) });
    conn.sendBytes(encodeTrusted([8, 1])); // a lane request, id 1
    const [, id, name] = decode(await conn.recvBytes()) as [number, number, string];
    expect(id).toBe(1);
    const shm = new SharedMemory({ name });
    shm.unlink();
    // A frame "of a million bytes" published in the request ring, then the switch to it.
    const words = new Int32Array(shm.buf);
    words[48] = 1_000_000;
    Atomics.store(words, 0, 8);
    conn.sendBytes(Buffer.from([0xc1]));
    // The server closes this connection; reading it ends.
    await expect(conn.recvBytes()).rejects.toThrow();
    conn.close();
    shm.close();
    await d.set('after', 1);
    expect(await d.get('after')).toBe(1);
    expect(
      await until(async () => (await manager.stats()).connections, before.connections, 5000),
    ).toBe(before.connections);
    d.dispose();
  });
});

describe('MULTIPROC_SPIN_US', () => {
  it('0 turns lanes off: the calls go through the socket alone', async () => {
    const script = `
      const { Manager } = require('@multiproc/managers');
      (async () => {
        const m = await Manager();
        const d = await m.dict();
        await d.set('a', 1);
        console.log(JSON.stringify([await d.get('a'), (await m.stats()).lanes]));
        await m.shutdown();
      })();`;
    const off = await runNode('-e', [script], {
      env: { ...process.env, MULTIPROC_SPIN_US: '0' },
      cwd: __dirname,
    });
    expect([off.stderr, off.stdout.trim()]).toEqual(['', '[1,0]']);
    const on = await runNode('-e', [script], { cwd: __dirname });
    expect([on.stderr, on.stdout.trim()]).toEqual(['', '[1,1]']);
  });
});
