// Messages from sockets never make the receiver load a module: a peer that names module URLs in
// a message (as the decoder's instance and handle extensions do) gets a TypeError, and the
// modules' top-level code (which would write a marker file) never runs. A Pipe between a parent
// and its children still loads what a message names.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as fc from 'fast-check';
import { Client, Listener, Pipe, type Connection } from '@multiproc/connection';
import { getContext } from '@multiproc/process';
import { ProcessError, encode } from '@multiproc/serialize';
import { Opened, joinedCleanly, killLeftovers } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const targets = require('./fixtures/targets.cjs') as Record<string, (...args: never[]) => unknown>;

/** Extension type codes of `@multiproc/serialize/src/decode.ts`. */
const kExtHandle = 0x31;
const kExtInstance = 0x32;

const opened = new Opened();
afterEach(async () => {
  opened.closeAll();
  await killLeftovers();
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'multiproc-untrusted-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module whose top-level code writes `<its path>.loaded`; returns its URL and marker path. */
function markerModule(name: string, ext: '.cjs' | '.mjs'): { url: string; marker: string } {
  const path = join(dir, name + ext);
  const marker = path + '.loaded';
  const body =
    ext === '.cjs'
      ? `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nexports.Thing = class Thing {};\n`
      : `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport class Thing {}\n`;
  writeFileSync(path, body);
  return { url: pathToFileURL(path).href, marker };
}

/** Extension `type` as msgpackr writes one with a `write` function: fixext 1, then the value. */
function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xd4, type, 0x00]), data]);
}

function instanceMessage(url: string, exportName: string): Buffer {
  return ext(kExtInstance, encode([url, exportName, { x: 1 }]));
}

function handleMessage(typeName: string, url: string): Buffer {
  return ext(kExtHandle, encode([typeName, url, [0]]));
}

async function socketPair(family: 'AF_INET' | 'AF_UNIX'): Promise<[Connection, Connection]> {
  const listener = await Listener.listen({ family });
  opened.add(listener);
  const accepted = listener.accept();
  const client = await Client({ address: listener.address });
  opened.add(client);
  const server = await accepted;
  opened.add(server);
  return [server, client];
}

describe('decoding messages from sockets', () => {
  it('fuzz: messages naming module URLs load nothing, over TCP and Unix sockets, and the connection goes on', async () => {
    const pairs = {
      AF_INET: await socketPair('AF_INET'),
      AF_UNIX: await socketPair('AF_UNIX'),
    };
    let n = 0;
    const markers: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('AF_INET' as const, 'AF_UNIX' as const),
        fc.constantFrom('.cjs' as const, '.mjs' as const),
        fc.constantFrom('instance', 'handle', 'nested'),
        fc.constantFrom('Thing', 'default', 'missing'),
        async (family, extension, shape, exportName) => {
          const { url, marker } = markerModule(`m${n++}`, extension);
          markers.push(marker);
          const [server, client] = pairs[family];
          const message =
            shape === 'instance'
              ? instanceMessage(url, exportName)
              : shape === 'handle'
                ? handleMessage(`fuzz.Type${n}`, url)
                : // an array whose second item names the module
                  Buffer.concat([Buffer.from([0x92, 0x01]), instanceMessage(url, exportName)]);
          client.sendBytes(message);
          const error = await server.recv().then(
            () => new Error('decoded'),
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(
            shape === 'handle'
              ? `received a fuzz.Type${n} handle from a socket peer, but no such type is registered in this process`
              : `a message from a socket peer names module ${url}, which this process has not loaded`,
          );
          // The connection still carries messages after the refused one.
          client.send({ after: n });
          await expect(server.recv()).resolves.toEqual({ after: n });
        },
      ),
      { numRuns: 60 },
    );
    expect(n).toBe(60);
    for (const marker of markers) expect(existsSync(marker)).toBe(false);
  });

  it('a class whose module this process already loaded is rebuilt from a socket', async () => {
    const { url, marker } = markerModule('preloaded', '.cjs');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading it is the point
    require(new URL(url).pathname);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
    const [server, client] = await socketPair('AF_INET');
    client.sendBytes(instanceMessage(url, 'Thing'));
    const value = await server.recv<{ x: number; constructor: { name: string } }>();
    expect(value.constructor.name).toBe('Thing');
    expect(value.x).toBe(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('a Pipe (parent and its own children) still loads the module a message names', async () => {
    const { url, marker } = markerModule('pipe', '.cjs');
    const [a, b] = Pipe();
    opened.add(a);
    opened.add(b);
    b.sendBytes(instanceMessage(url, 'Thing'));
    const value = await a.recv<{ x: number; constructor: { name: string } }>();
    expect(value.constructor.name).toBe('Thing');
    expect(existsSync(marker)).toBe(true);
  });
});

describe.each(['spawn', 'thread'] as const)(
  'a socket connection passed on to a %s child',
  (method) => {
    it('stays untrusted there: a message naming a module loads nothing', async () => {
      const { url, marker } = markerModule(`passed-${method}`, '.cjs');
      const [server, client] = await socketPair('AF_INET');
      const [report, childReport] = Pipe(false);
      opened.add(report);
      const { Process } = getContext(method);
      const p = new Process({
        target: targets.recvAndReport as never,
        args: [server, childReport],
      });
      p.start();
      server.close();
      childReport.close();
      client.sendBytes(instanceMessage(url, 'Thing'));
      expect(await report.recv()).toEqual([
        'error',
        'TypeError',
        `a message from a socket peer names module ${url}, which this process has not loaded; ` +
          'values from sockets are rebuilt only from types registered here and classes of modules already loaded',
      ]);
      await joinedCleanly(p);
      expect(existsSync(marker)).toBe(false);
    });
  },
);

describe('a TCP Listener without an authkey', () => {
  it('is refused on a non-loopback address, with an error that names the opt-in', async () => {
    const error = await Listener.listen({ address: ['0.0.0.0', 0] }).then(
      (l) => (l.close(), new Error('listened')),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessError);
    expect((error as ProcessError).code).toBe('ERR_MP_UNAUTHENTICATED_LISTENER');
    expect((error as Error).message).toBe(
      'options.authkey is required to listen on 0.0.0.0, which is not a loopback address: ' +
        'without it anyone who reaches the port can connect and send messages; ' +
        'pass an authkey, or set options.allowUnauthenticated to true',
    );
  });

  it('listens on a non-loopback address with allowUnauthenticated, and on loopback without it', async () => {
    const open = await Listener.listen({ address: ['0.0.0.0', 0], allowUnauthenticated: true });
    opened.add(open);
    expect(open.address[0]).toBe('0.0.0.0');
    const local = await Listener.listen({ address: ['127.0.0.1', 0] });
    opened.add(local);
    expect(local.address[0]).toBe('127.0.0.1');
    await expect(
      Listener.listen({ address: ['127.0.0.1', 0], allowUnauthenticated: 'yes' as never }),
    ).rejects.toThrow('options.allowUnauthenticated must be a boolean, got "yes" (string)');
  });
});
