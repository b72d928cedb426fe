// Peers that never authenticate cannot hurt an authenticating Listener: a peer that resets (RST)
// during the challenge surfaces in accept() only as an AuthenticationError, and any number of
// silent peers leaves honest clients a slot and their own round trip.
import { spawnSync } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { AuthenticationError, Client, Listener } from '@multiproc/connection';
import { Opened, sleep } from './helpers.js';

const opened = new Opened();
afterEach(() => opened.closeAll());

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Accepts until an authenticated connection arrives; returns it and what was thrown before. */
async function acceptHonest(listener: Listener) {
  const thrown: unknown[] = [];
  for (;;) {
    try {
      return { conn: await listener.accept(), thrown };
    } catch (error) {
      thrown.push(error);
    }
  }
}

describe('an authenticating TCP Listener', () => {
  it('reports peers that reset during the challenge only as AuthenticationError', async () => {
    const listener = await Listener.listen({ family: 'AF_INET', authkey: 'k' });
    opened.add(listener);
    const port = (listener.address as [string, number])[1];
    // spawnSync blocks this event loop while another process connects and resets 40 times: the
    // listener then takes connections that are already reset, and its challenge meets the RST.
    const reset = spawnSync(
      process.execPath,
      [
        '-e',
        `const net = require('node:net'); let left = 40;
         const next = () => { if (left-- === 0) return;
           const s = net.createConnection({ host: '127.0.0.1', port: ${port} }, () => { s.resetAndDestroy(); next(); });
           s.on('error', () => undefined); };
         next();`,
      ],
      { timeout: 10_000 },
    );
    expect(reset.status).toBe(0);
    // And peers that reset once the challenge arrived.
    const resets: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = await rawConnect(port);
      socket.on('error', () => undefined);
      resets.push(new Promise((r) => socket.once('data', () => r(void socket.resetAndDestroy()))));
    }
    await Promise.all(resets);
    await sleep(200);
    const honest = Client({ address: listener.address, authkey: 'k' });
    const { conn, thrown } = await acceptHonest(listener);
    opened.add(conn, await honest);
    expect(thrown.length).toBeGreaterThan(0);
    expect(thrown.length).toBeLessThanOrEqual(60);
    for (const error of thrown) {
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toMatch(/^authentication failed: /);
    }
    conn.send('still serving');
    expect(await (await honest).recv()).toBe('still serving');
  });

  it('lets an honest client in past 300 silent connections, long before their timeout', async () => {
    const listener = await Listener.listen({
      family: 'AF_INET',
      authkey: 'k',
      handshakeTimeout: 20_000,
    });
    opened.add(listener);
    const port = (listener.address as [string, number])[1];
    const silent: Socket[] = [];
    try {
      // Each silent peer is in a handshake once its challenge arrived.
      const challenged: Promise<void>[] = [];
      for (let i = 0; i < 300; i++) {
        const socket = await rawConnect(port);
        socket.on('error', () => undefined);
        silent.push(socket);
        challenged.push(new Promise((r) => socket.once('data', () => r())));
      }
      await Promise.all(challenged);
      const client = await Client({
        address: listener.address,
        authkey: 'k',
        handshakeTimeout: 5_000,
      });
      opened.add(client);
      const { conn, thrown } = await acceptHonest(listener);
      opened.add(conn);
      expect(thrown).toEqual([]);
      client.send('hello');
      expect(await conn.recv()).toBe('hello');
    } finally {
      for (const socket of silent) socket.destroy();
    }
  });
});
