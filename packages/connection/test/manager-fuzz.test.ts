// Hostile frames against a manager server (@multiproc/managers), before and after
// authentication: the server never crashes, never runs anything for a peer without the key,
// closes only the connection that broke the protocol, and keeps its referent counts exact.
// The server runs as a program of its own (fixtures/manager-server.cjs): this package cannot
// depend on the managers package, which is built on it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as fc from 'fast-check';
import { Client, type Connection } from '@multiproc/connection';
import { encode } from '@multiproc/serialize';

const KEY = 'the manager fuzz key';

// The manager wire format (packages/managers/src/protocol.ts): a request is a tuple whose first
// element is its tag, or a batch [7, request, …]; a reply is [tag, id, …] with 0 ok, 1 referent,
// 2 error, or a batch [3, reply, …].
const CREATE = 0;
const CALL = 1;
const TRANSIT = 2;
const ADOPT = 3;
const DECREF = 4;
const STATS = 5;
const SHUTDOWN = 6;
const BATCH = 7;

interface Stats {
  referents: number;
  inTransit: number;
  connections: number;
}

let server: ChildProcess;
let exited: Promise<number | null>;
let address: [string, number];

beforeAll(async () => {
  server = spawn(process.execPath, [join(__dirname, 'fixtures', 'manager-server.cjs'), KEY], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: server.stdout! });
  const [first] = (await Promise.race([
    new Promise((resolve) => lines.once('line', (line) => resolve([line]))),
    exited.then((code) => {
      throw new Error(`the manager server exited with ${code} before it listened`);
    }),
  ])) as [string];
  lines.close();
  address = JSON.parse(first) as [string, number];
}, 20_000);

afterAll(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    const conn = await Client({ address, authkey: KEY });
    conn.send([SHUTDOWN, 1]);
    await conn.recv().catch(() => undefined);
    conn.close();
  }
  expect(await exited).toBe(0);
}, 20_000);

/** The server still runs. */
function expectAlive(): void {
  expect(server.exitCode).toBeNull();
  expect(server.signalCode).toBeNull();
}

async function request(conn: Connection, frame: unknown[]): Promise<unknown[]> {
  conn.send(frame);
  return conn.recv<unknown[]>();
}

async function stats(): Promise<Stats> {
  const conn = await Client({ address, authkey: KEY });
  try {
    const [tag, id, value] = await request(conn, [STATS, 7]);
    expect([tag, id]).toEqual([0, 7]);
    return value as Stats;
  } finally {
    conn.close();
  }
}

/** Writes `bytes` on a raw socket that never proves the key, and waits for the server to hang up. */
function unauthenticated(bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection(address[1], address[0], () => socket.end(bytes));
    socket.on('error', () => undefined); // resets are expected here
    socket.on('close', () => resolve());
    socket.resume();
  });
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

/** A good client still creates, uses and releases a dict, with exact counts. */
async function goodClientWorks(): Promise<void> {
  const before = await stats();
  const conn = await Client({ address, authkey: KEY });
  const created = await request(conn, [CREATE, 1, 'dict', []]);
  expect(created.slice(0, 2)).toEqual([1, 1]);
  const oid = created[2] as number;
  expect(created[3]).toBe('dict');
  expect(await request(conn, [CALL, 2, oid, 'set', ['k', 42], null])).toEqual([0, 2, undefined]);
  expect(await request(conn, [CALL, 3, oid, 'get', ['k'], null])).toEqual([0, 3, 42]);
  // A batch is answered in order, with the replies that were ready at once in one frame.
  expect(
    await request(conn, [
      BATCH,
      [CALL, 4, oid, 'set', ['k', 43], null],
      [CALL, 5, oid, 'get', ['k'], null],
    ]),
  ).toEqual([3, [0, 4, undefined], [0, 5, 43]]);
  expect((await stats()).referents).toBe(before.referents + 1);
  conn.close();
  // Its connection's end released the dict.
  const deadline = performance.now() + 5000;
  while ((await stats()).referents !== before.referents && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect((await stats()).referents).toBe(before.referents);
}

/** Any value but a well-formed shutdown, which an authenticated peer may send. */
const noShutdown = (value: unknown): boolean => !(Array.isArray(value) && value[0] === SHUTDOWN);

describe('a manager server under attack', () => {
  it('runs nothing for peers without the key: random bytes, and requests sent before the handshake', async () => {
    const before = await stats();
    const requestFrames = [
      [CREATE, 1, 'dict', []],
      [CALL, 1, 1, 'set', ['k', 1], null],
      [SHUTDOWN, 1],
    ].map((r) => frame(encode(r)));
    for (const bytes of requestFrames) await unauthenticated(bytes);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        await unauthenticated(Buffer.from(bytes));
      }),
      { numRuns: 40 },
    );
    expectAlive();
    expect((await stats()).referents).toBe(before.referents);
    await goodClientWorks();
  }, 60_000);

  it('closes only the connection of an authenticated peer that sends anything malformed', async () => {
    const before = await stats();
    const shapes: unknown[] = [
      [CALL, 1, 1, 'constructor', [], null],
      [CALL, 2, 999_999, 'get', [], null],
      [CALL, 2.5, 1, 'get', [], null],
      [CREATE, 3, '__proto__', []],
      [CREATE, 4, 'constructor', []],
      [CREATE, 5, 'dict', 'not an array'],
      [CREATE, 6, 'dict'],
      [DECREF, [1, 2, 3, 1, 1]],
      [DECREF, 'all'],
      [ADOPT, -1, 'nobody'],
      [TRANSIT, 999_999, 'nowhere'],
      [STATS],
      [SHUTDOWN],
      [SHUTDOWN, 'now'],
      [99, 1],
      [BATCH],
      [BATCH, [STATS, 1]],
      [BATCH, [STATS, 1], 'not a request'],
      [BATCH, [BATCH, [STATS, 1], [STATS, 2]], [STATS, 3]],
      [BATCH, [CREATE, 1, 'dict', []], [CALL, 2, 1, 'constructor', [], null]],
      { type: 'create', id: 1, typeid: 'dict', args: [] },
      null,
      'text',
      new Map([[1, 2]]),
    ];
    for (const shape of shapes) {
      const conn = await Client({ address, authkey: KEY });
      conn.send(shape);
      conn.send([STATS, 77]);
      await conn.recv().catch(() => undefined);
      conn.close();
    }
    const tuple = fc
      .tuple(fc.integer({ min: -1, max: 7 }), fc.array(fc.anything(), { maxLength: 6 }))
      .map(([tag, rest]) => [tag, ...rest])
      .filter(noShutdown);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(tuple, fc.anything().filter(noShutdown), fc.uint8Array({ maxLength: 64 })),
          { maxLength: 8 },
        ),
        async (frames) => {
          const conn = await Client({ address, authkey: KEY });
          for (const f of frames) {
            try {
              if (f instanceof Uint8Array) conn.sendBytes(f);
              else conn.send(f);
            } catch {
              // fast-check made something this side cannot encode: nothing was sent.
            }
          }
          conn.close();
        },
      ),
      { numRuns: 80 },
    );
    expectAlive();
    // A fuzzed transit hold nobody adopts outlives its sender by the server's 5 s grace.
    const deadline = performance.now() + 8000;
    while ((await stats()).referents !== before.referents && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await stats()).toEqual({ ...before, inTransit: 0 });
    await goodClientWorks();
  }, 60_000);
});
