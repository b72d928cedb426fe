// A client that loses its manager reports it: the 'disconnect' event, once, with the error every
// call then rejects with; it never reconnects or loops. The server is SIGKILLed in each test.
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { Pipe } from '@multiproc/connection';
import { Process, activeChildren } from '@multiproc/process';
import { Manager, type SyncManager } from '@multiproc/managers';
import { expectNoChildren, rejection, targets } from './helpers.js';

afterAll(expectNoChildren);

/**
 * SIGKILLs the server process a manager started (the only manager server child here), and
 * removes the socket's directory it leaves behind (a killed listener cannot unlink its path).
 */
function killServer(address: string): void {
  const servers = activeChildren().filter((p) => p.name === 'SyncManager-server');
  expect(servers).toHaveLength(1);
  process.kill(servers[0]?.pid as number, 'SIGKILL');
  const dir = dirname(address);
  if (dirname(dir) === tmpdir() && basename(dir).startsWith('multiproc-')) {
    rmSync(dir, { recursive: true, force: true });
  }
}

function disconnects(manager: SyncManager): Error[] {
  const events: Error[] = [];
  manager.on('disconnect', (error) => events.push(error));
  return events;
}

async function until(ready: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ready() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe("a manager's 'disconnect' event", () => {
  it('fires once when the server is killed while a call waits, and every call rejects at once', async () => {
    const manager = await Manager();
    const address = manager.address as string;
    const events = disconnects(manager);
    const q = await manager.Queue();
    const d = await manager.dict();
    const waiting = q.get();
    killServer(manager.address as string);
    const error = await rejection(waiting);
    expect(error.code).toBe('ERR_MP_MANAGER_GONE');
    expect(error.message).toMatch(new RegExp(`^the manager at ${address} is gone`));
    await until(() => events.length > 0, 2000);
    expect(events).toEqual([error]);
    const started = performance.now();
    expect(await rejection(d.get(1))).toBe(error);
    expect(performance.now() - started).toBeLessThan(100);
    await manager.shutdown();
    expect(events).toHaveLength(1);
    expect(existsSync(address)).toBe(false);
  }, 15_000);

  it('fires when the server of an idle client dies, naming the address and the signal', async () => {
    const manager = await Manager();
    const address = manager.address as string;
    const events = disconnects(manager);
    const d = await manager.dict();
    killServer(manager.address as string);
    await until(() => events.length > 0, 5000);
    expect(events.map((e) => e.message)).toEqual([
      `the manager at ${address} is gone: its server process exited (signal 9)`,
    ]);
    expect((events[0] as Error & { code?: string }).code).toBe('ERR_MP_MANAGER_GONE');
    expect(await rejection(d.set(1, 2))).toBe(events[0]);
    await manager.shutdown();
  }, 15_000);

  it('fires in a client that connect()ed, idle, and then lets its process end', async () => {
    const manager = await Manager({ authkey: 'disconnect key' });
    const [here, there] = Pipe();
    const client = new Process({
      target: targets.watchDisconnect,
      args: [manager.address, 'disconnect key', there],
    });
    client.start();
    there.close();
    expect(await here.recv()).toBe('ready');
    killServer(manager.address as string);
    const report = await here.recv<Record<string, unknown>>();
    expect(report).toEqual({
      code: 'ERR_MP_MANAGER_GONE',
      message: expect.stringMatching(
        new RegExp(`^the manager at ${manager.address as string} is gone \\(connection lost`),
      ) as unknown,
      later: report['message'],
      events: 1,
    });
    // The lost client keeps nothing alive and retries nothing: its process ends by itself.
    await client.join(10_000);
    expect(client.exitcode).toBe(0);
    here.close();
    await manager.shutdown();
  }, 20_000);

  it('is not emitted by shutdown(), and on()/off() check their arguments', async () => {
    const manager = await Manager();
    const events = disconnects(manager);
    const removed: Error[] = [];
    const listener = (error: Error): void => void removed.push(error);
    try {
      manager.on('disconnect', listener).off('disconnect', listener);
      expect(() => manager.on('close' as 'disconnect', listener)).toThrow(
        'on() event must be \'disconnect\', got "close" (string)',
      );
      expect(() => manager.off('disconnect', 42 as unknown as () => void)).toThrow(
        'off() listener must be a function, got 42 (number)',
      );
    } finally {
      await manager.shutdown();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([]);
    expect(removed).toEqual([]);
  }, 15_000);
});
