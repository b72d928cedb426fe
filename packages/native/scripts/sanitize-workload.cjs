// The workload of scripts/sanitize.cjs: every native entry point, including the teardown paths.
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const native = require('../dist/index.cjs');

async function main() {
  assert.equal(native.addonOrigin().kind, 'env');
  const name = `mp_asan_${process.pid}`;
  for (let i = 0; i < 200; i++) {
    const seg = native.shmCreate(name, 4096 + 4 * i);
    const other = native.shmAttach(name);
    new Int32Array(seg.buffer)[0] = i;
    assert.equal(new Int32Array(other.buffer)[0], i);
    assert.equal(native.flock(other.fd, 'exclusive'), false);
    native.shmUnlink(name);
    native.closeFd(seg.fd);
    native.closeFd(other.fd);
  }
  assert.throws(() => native.shmAttach(name), { code: 'ENOENT' });
  const fd = native.memfdCreate('asan', 1 << 16);
  const sab = native.mapFd(fd, 4096);
  assert.equal(sab.byteLength, 4096);
  native.setCloexec(fd, true);
  native.closeFd(fd);

  const words = new Int32Array(native.shmCreate(name, 4096).buffer);
  native.shmUnlink(name);
  assert.equal(native.futexWaitSync(words, 0, 1, 0), 'not-equal');
  assert.equal(native.futexWaitSync(words, 0, 0, 5), 'timed-out');
  const timed = await Promise.all(
    Array.from({ length: 32 }, (_, i) => native.futexWait(words, 1 + i, 0, 5 + i)),
  );
  assert.ok(timed.every((r) => r === 'timed-out'));
  const woken = Array.from({ length: 32 }, () => native.futexWait(words, 40, 0));
  await new Promise((r) => setTimeout(r, 50));
  Atomics.store(words, 40, 1);
  native.futexWake(words, 40, Infinity);
  assert.ok((await Promise.all(woken)).every((r) => r === 'ok'));
  // Exclusive waits: settled one at a time, first in line first, as none waits again.
  const exclusive = Array.from({ length: 8 }, (_, i) =>
    native.futexWait(words, 41, 0, 1000, { order: 8 - i, exclusive: true, recheck: true }),
  );
  Atomics.store(words, 41, 1);
  native.futexWake(words, 41, 1);
  assert.ok((await Promise.all(exclusive)).every((r) => r === 'ok' || r === 'not-equal'));

  // Worker teardown with waits pending: the cleanup hook wakes, joins and frees everything.
  for (let round = 0; round < 3; round++) {
    const worker = new Worker(
      `const n = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'index.cjs'))});
       const w = new Int32Array(n.mapFd(n.memfdCreate('w', 4096)));
       for (let i = 0; i < 16; i++) n.futexWait(w, i, 0);
       require('node:worker_threads').parentPort.postMessage('waiting');`,
      { eval: true },
    );
    await new Promise((r) => worker.once('message', r));
    await worker.terminate();
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-asan-sock-'));
  const listen = native.unixListen(path.join(dir, 's'));
  const conn = native.unixConnect(path.join(dir, 's'));
  native.closeFd(conn);
  native.closeFd(listen);
  const copySource = Buffer.from('0123456789');
  const copyTarget = new Uint8Array(new SharedArrayBuffer(16));
  assert.equal(native.copyBytes(copyTarget, 3, copySource, 2, 5), 5);
  assert.equal(Buffer.from(copyTarget.buffer).toString('latin1', 3, 8), '23456');
  assert.throws(() => native.copyBytes(copyTarget, 12, copySource, 0, 5), RangeError);
  const [left, right] = native.socketpair();
  fs.writeSync(left, 'ping');
  const got = Buffer.alloc(4);
  assert.equal(fs.readSync(right, got), 4);
  assert.equal(got.toString(), 'ping');
  const copy = native.dupFd(left);
  native.closeFd(left);
  fs.writeSync(copy, 'pong');
  assert.equal(fs.readSync(right, got), 4);
  assert.equal(got.toString(), 'pong');
  fs.writeSync(copy, 'spun');
  assert.equal(native.readWait(right, got, 0, 4, 100), 4);
  assert.equal(got.toString(), 'spun');
  assert.throws(() => native.readWait(right, got, 2, 3, 0), RangeError);
  native.closeFd(copy);
  assert.equal(native.readWait(right, got, 0, 4, 100), 0);
  native.closeFd(right);
  // Recycled bodies: dropped ones go to the cache when collected, and come back out of it.
  for (let i = 0; i < 8; i++) new Uint8Array(native.allocBody(1 << 20)).fill(i);
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 20));
  globalThis.gc();
  const reused = new Uint8Array(native.allocBody((1 << 20) - 5));
  reused.fill(9);
  // Left unused past the trim delay, the other blocks are marked MADV_FREE by the trimming
  // thread (concurrently with this thread taking blocks), then taken back and written.
  const taken = [native.allocBody(1 << 20)];
  await new Promise((r) => setTimeout(r, 1200));
  for (let i = 0; i < 4; i++) taken.push(native.allocBody(1 << 20));
  for (const body of taken) new Uint8Array(body).fill(3);
  assert.equal(native.allocBody(1000), undefined);
  // The spinner thread starts, spins 20 ms, sleeps, and stays asleep through exit.
  native.keepWarm(20_000);
  native.keepWarm(1);
  await new Promise((r) => setTimeout(r, 40));
  fs.rmSync(dir, { recursive: true });
  assert.equal(native.isProcessAlive(process.pid), true);
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  assert.equal(native.isProcessAlive(child.pid), false);
  assert.equal(native.processSlot('asan', 'x'), 'x');
  globalThis.gc();
  // A wait left pending at exit must not disturb process exit either.
  void native.futexWait(words, 50, 0);
  console.log('sanitize workload: ok');
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
