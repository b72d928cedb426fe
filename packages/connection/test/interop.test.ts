// multiproc's Listener/Client against CPython's own multiprocessing.connection, both ways:
// Python 3.8-3.11 answer and send the legacy HMAC-MD5 challenge, 3.12 and later the
// `{sha256}`-prefixed one, and multiproc accepts both. Runs against every distinct Python 3.8+
// found: MULTIPROC_TEST_PYTHON, python3.13, python3.12, python3 (this machine's 3.11), and those
// installed by pyenv. Finding none fails the suite.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, Client, Listener } from '@multiproc/connection';
import { Opened } from './helpers.js';

/** Every distinct Python 3.8+ here, by version: `[['3.11', 'python3'], …]`. */
function findPythons(): [string, string][] {
  const pyenv = join(process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv'), 'versions');
  const installed = existsSync(pyenv)
    ? readdirSync(pyenv).map((v) => join(pyenv, v, 'bin', 'python3'))
    : [];
  const candidates = [
    process.env['MULTIPROC_TEST_PYTHON'],
    'python3.13',
    'python3.12',
    'python3',
    ...installed,
  ];
  const byVersion = new Map<string, string>();
  for (const exe of candidates) {
    if (!exe) continue;
    const probe = spawnSync(
      exe,
      ['-c', 'import sys; print("%d.%d" % sys.version_info[:2], sys.version_info >= (3, 8))'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    const [version, supported] = (probe.stdout ?? '').trim().split(' ');
    if (version && supported === 'True' && !byVersion.has(version)) byVersion.set(version, exe);
  }
  return [...byVersion];
}

const pythons = findPythons();
const peer = join(__dirname, 'fixtures', 'python_peer.py');
const opened = new Opened();
afterEach(() => opened.closeAll());

/** Runs the Python peer; resolves with its output lines once it exits. */
/** Waits for the Python peer to exit 0 having printed exactly `expected`. */
async function expectPeerExit(
  run: { exited: Promise<{ code: number | null; lines: string[] }> },
  expected: string[],
): Promise<void> {
  const { code, lines } = await run.exited;
  expect(lines).toEqual(expected);
  expect(code).toBe(0);
}

function runPeer(
  python: string,
  mode: 'listen' | 'connect',
  address: string,
  onLine?: (line: string) => void,
) {
  const child = spawn(python, [peer, mode, address], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20_000,
  });
  const lines: string[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      lines.push(line);
      onLine?.(line);
    }
  });
  const exited = new Promise<{ code: number | null; lines: string[] }>((resolve) =>
    child.once('exit', (code) => resolve({ code, lines })),
  );
  return { exited, kill: () => child.kill('SIGKILL') };
}

it('finds a Python 3.8 or later to test against (set MULTIPROC_TEST_PYTHON otherwise)', () => {
  expect(pythons.length).toBeGreaterThan(0);
});

describe.each(pythons)(
  'interoperability with CPython %s multiprocessing.connection',
  (_version, python) => {
    it('a multiproc Client authenticates with a Python Listener, and a wrong key fails on both', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'multiproc-interop-'));
      const address = join(dir, 'python.sock');
      let ready!: () => void;
      const listening = new Promise<void>((resolve) => (ready = resolve));
      const peerRun = runPeer(python, 'listen', address, (line) => line === 'listening' && ready());
      try {
        await Promise.race([
          listening,
          peerRun.exited.then(({ code }) => {
            throw new Error(`the Python listener exited with ${code} before listening`);
          }),
        ]);
        const conn = await Client({ address, authkey: 'secret password' });
        opened.add(conn);
        conn.sendBytes(Buffer.from('ping from node'));
        expect(String(await conn.recvBytes())).toBe('edon morf gnip');
        await expect(Client({ address, authkey: 'wrong' })).rejects.toThrow(
          new AuthenticationError('authentication failed: the digest we sent was rejected'),
        );
        await expectPeerExit(peerRun, [
          'listening',
          'wrong key: AuthenticationError digest received was wrong',
        ]);
      } finally {
        peerRun.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a Python Client authenticates with a multiproc Listener, and a wrong key fails on both', async () => {
      const listener = await Listener.listen({ authkey: 'secret password' });
      opened.add(listener);
      const peerRun = runPeer(python, 'connect', listener.address as string);
      try {
        const conn = await listener.accept();
        opened.add(conn);
        expect(String(await conn.recvBytes())).toBe('ping from python');
        conn.sendBytes(Buffer.from('pong from node'));
        await expect(listener.accept()).rejects.toThrow(
          new AuthenticationError('authentication failed: the digest received was wrong'),
        );
        await expectPeerExit(peerRun, [
          'python got: pong from node',
          'wrong key: AuthenticationError digest sent was rejected',
        ]);
      } finally {
        peerRun.kill();
      }
    });
  },
);
