import { fork, spawn } from 'node:child_process';
import { join } from 'node:path';
import { isProcessAlive, setParentDeathSignal } from '@multiproc/native';
import { exited, fixture, nextMessage, sleep } from './helpers.js';

const root = join(__dirname, '..');

describe('process primitives', () => {
  test('isProcessAlive tells a running process from an exited one', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
    expect(isProcessAlive(child.pid!)).toBe(true);
    await exited(child);
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(() => isProcessAlive(0)).toThrow(RangeError);
    expect(() => isProcessAlive(1.5)).toThrow(TypeError);
  });

  test('a child that set a parent-death signal dies with its SIGKILLed parent', async () => {
    const middle = fork(fixture('pdeathsig.mjs'), [], { cwd: root });
    const { pid } = await nextMessage<{ pid: number }>(middle);
    expect(isProcessAlive(pid)).toBe(true);
    middle.kill('SIGKILL');
    await exited(middle);
    const deadline = Date.now() + 5_000;
    while (isProcessAlive(pid) && Date.now() < deadline) await sleep(10);
    expect(isProcessAlive(pid)).toBe(false);
  });

  test('setParentDeathSignal refuses unknown signals', () => {
    expect(() => setParentDeathSignal('SIGNOPE' as NodeJS.Signals)).toThrow(TypeError);
  });
});

describe('socketpair', () => {
  test('gives two connected ends that carry bytes both ways, also across a child', async () => {
    const { socketpair, closeFd } = await import('@multiproc/native');
    const { Socket } = await import('node:net');
    const [a, b] = socketpair();
    expect(Number.isInteger(a) && Number.isInteger(b) && a !== b).toBe(true);
    // The child echoes upper-cased what arrives on its fd 3, the other end stays here.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s = new (require('net').Socket)({ fd: 3, readable: true, writable: true }); s.on('data', (d) => s.end(d.toString().toUpperCase()));",
      ],
      { stdio: ['ignore', 'inherit', 'inherit', b] },
    );
    closeFd(b);
    const here = new Socket({ fd: a, readable: true, writable: true });
    const reply = new Promise<string>((resolve) => {
      let text = '';
      here.on('data', (d: Buffer) => (text += d.toString()));
      here.on('end', () => resolve(text));
    });
    here.write('hello through a socketpair');
    expect(await reply).toBe('HELLO THROUGH A SOCKETPAIR');
    here.destroy();
    await exited(child);
  });
});
