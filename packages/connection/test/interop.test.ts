// multiproc's Listener/Client against CPython's own multiprocessing.connection: the framing and
// the HMAC-SHA256 handshake are Python 3.12's, so bytes and authentication work both ways.
// Needs a Python 3.12 or later: MULTIPROC_TEST_PYTHON, else python3.13, python3.12, python3, else
// one installed by pyenv. Without one the suite is skipped and says so in its name.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, Client, Listener } from '@multiproc/connection';
import { Opened } from './helpers.js';

function findPython(): string | undefined {
  const pyenv = join(process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv'), 'versions');
  const installed = existsSync(pyenv)
    ? readdirSync(pyenv)
        .filter((v) => /^3\.(1[2-9]|[2-9]\d)\./.test(v))
        .map((v) => join(pyenv, v, 'bin', 'python3'))
    : [];
  const candidates = [
    process.env['MULTIPROC_TEST_PYTHON'],
    'python3.13',
    'python3.12',
    'python3',
    ...installed,
  ];
  for (const exe of candidates) {
    if (!exe) continue;
    const probe = spawnSync(exe, ['-c', 'import sys; print(sys.version_info >= (3, 12))'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (probe.stdout?.trim() === 'True') return exe;
  }
  return undefined;
}

const python = findPython();
const peer = join(__dirname, 'fixtures', 'python_peer.py');
const opened = new Opened();
afterEach(() => opened.closeAll());

/** Runs the Python peer; resolves with its output lines once it exits. */
function runPeer(mode: 'listen' | 'connect', address: string, onLine?: (line: string) => void) {
  const child = spawn(python as string, [peer, mode, address], {
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

const describeWithPython = python ? describe : describe.skip;

describeWithPython(
  `interoperability with CPython 3.12+ multiprocessing.connection${python ? '' : ' (no Python 3.12+ found: set MULTIPROC_TEST_PYTHON)'}`,
  () => {
    it('a multiproc Client authenticates with a Python Listener, and a wrong key fails on both', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'multiproc-interop-'));
      const address = join(dir, 'python.sock');
      let ready!: () => void;
      const listening = new Promise<void>((resolve) => (ready = resolve));
      const peerRun = runPeer('listen', address, (line) => line === 'listening' && ready());
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
        const { code, lines } = await peerRun.exited;
        expect(lines).toEqual([
          'listening',
          'wrong key: AuthenticationError digest received was wrong',
        ]);
        expect(code).toBe(0);
      } finally {
        peerRun.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a Python Client authenticates with a multiproc Listener, and a wrong key fails on both', async () => {
      const listener = await Listener.listen({ authkey: 'secret password' });
      opened.add(listener);
      const peerRun = runPeer('connect', listener.address as string);
      try {
        const conn = await listener.accept();
        opened.add(conn);
        expect(String(await conn.recvBytes())).toBe('ping from python');
        conn.sendBytes(Buffer.from('pong from node'));
        await expect(listener.accept()).rejects.toThrow(
          new AuthenticationError('authentication failed: the digest received was wrong'),
        );
        const { code, lines } = await peerRun.exited;
        expect(lines).toEqual([
          'python got: pong from node',
          'wrong key: AuthenticationError digest sent was rejected',
        ]);
        expect(code).toBe(0);
      } finally {
        peerRun.kill();
      }
    });
  },
);
