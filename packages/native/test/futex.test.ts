import { fork } from 'node:child_process';
import { join } from 'node:path';
import {
  closeFd,
  futexWait,
  futexWaitSync,
  futexWake,
  isWaitLimitError,
  pendingFutexWaits,
  shmCreate,
  shmUnlink,
} from '@multiproc/native';
import { exited, fixture, nextMessage, runNode, sleep } from './helpers.js';

const root = join(__dirname, '..');

/** Segments a test made and has not closed: `afterEach` unlinks them when an expectation failed. */
const unclosed = new Set<() => void>();
afterEach(() => {
  for (const close of unclosed) close();
});

function segment(): { name: string; words: Int32Array; close(): void } {
  const name = `mp_test_futex_${process.pid}_${Math.random().toString(16).slice(2)}`;
  const seg = shmCreate(name, 4096);
  const close = (): void => {
    if (!unclosed.delete(close)) return;
    shmUnlink(name);
    closeFd(seg.fd);
  };
  unclosed.add(close);
  return { name, words: new Int32Array(seg.buffer), close };
}

/** Wakes word `index` until exactly one waiter was woken (the child must be in the kernel). */
async function wakeOne(words: Int32Array, index: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const woken = futexWake(words, index, 1);
    if (woken > 0 || Date.now() > deadline) return woken;
    await sleep(2);
  }
}

describe.each(['sync', 'async'])('a %s futex wait in another process', (mode) => {
  test('is woken by futexWake from this process', async () => {
    const seg = segment();
    const child = fork(fixture('futex-child.mjs'), [seg.name, mode, '0'], { cwd: root });
    await nextMessage(child);
    const reply = nextMessage<{ result: string }>(child);
    expect(await wakeOne(seg.words, 0)).toBe(1);
    expect((await reply).result).toBe('ok');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    seg.close();
  });

  test('returns timed-out after at least its timeout', async () => {
    const seg = segment();
    const child = fork(fixture('futex-child.mjs'), [seg.name, mode, '1', '150'], { cwd: root });
    await nextMessage(child);
    const reply = await nextMessage<{ result: string; ms: number }>(child);
    expect(reply.result).toBe('timed-out');
    expect(reply.ms).toBeGreaterThanOrEqual(150);
    expect(reply.ms).toBeLessThan(2_000);
    await exited(child);
    seg.close();
  });
});

describe('futex calls in this process', () => {
  test('a differing word returns not-equal at once, and timeout 0 only compares', async () => {
    const seg = segment();
    seg.words[0] = 5;
    expect(futexWaitSync(seg.words, 0, 4)).toBe('not-equal');
    expect(await futexWait(seg.words, 0, 4)).toBe('not-equal');
    expect(futexWaitSync(seg.words, 0, 5, 0)).toBe('timed-out');
    expect(await futexWait(seg.words, 0, 5, 0)).toBe('timed-out');
    expect(futexWake(seg.words, 0, 1)).toBe(0);
    seg.close();
  });

  test('an async wait is woken by a wake from the same thread and then nothing is pending', async () => {
    const seg = segment();
    const wait = futexWait(seg.words, 2, 0);
    expect(pendingFutexWaits()).toBe(1);
    expect(await wakeOne(seg.words, 2)).toBe(1);
    expect(await wait).toBe('ok');
    expect(pendingFutexWaits()).toBe(0);
    seg.close();
  });

  test('bad arguments are refused: sync calls throw, async calls reject', async () => {
    const seg = segment();
    expect(() => futexWaitSync(new Uint32Array(4) as unknown as Int32Array, 0, 0)).toThrow(
      'view must be an Int32Array, got a Uint32Array instance',
    );
    expect(() => futexWaitSync(seg.words, 1024, 0)).toThrow(
      new RangeError('index must be between 0 and 1023, got 1024'),
    );
    expect(() => futexWaitSync(seg.words, 0, 0, NaN)).toThrow(
      new TypeError(
        'timeout must be a number of milliseconds, or null to wait forever, got NaN (number)',
      ),
    );
    // A negative timeout does not wait (the one timeout rule).
    expect(futexWaitSync(seg.words, 0, 0, -1)).toBe('timed-out');
    await expect(futexWait(seg.words, 0.5, 0)).rejects.toThrow(
      'index must be an integer, got 0.5 (number)',
    );
    expect(() => futexWake(seg.words, 0, -1)).toThrow(RangeError);
    seg.close();
  });
});

describe('async waits and the event loop', () => {
  test('64 pending waits block neither the event loop nor libuv threadpool (UV_THREADPOOL_SIZE=1)', async () => {
    const run = await runNode(fixture('loop-not-blocked.mjs'), [], {
      cwd: root,
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report).toMatchObject({ pending: 64, woken: 64, ok: 64, after: 0 });
    expect(report.timerMs).toBeLessThan(500);
    expect(report.poolMs).toBeLessThan(3_000);
  });

  test('a pending wait with no timeout keeps Node alive until it is woken', async () => {
    const run = await runNode(fixture('keepalive.mjs'), ['pending'], { cwd: root });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { result: string; ms: number };
    expect(report.result).toBe('ok');
    expect(report.ms).toBeGreaterThanOrEqual(299);
  });

  test('once no wait is pending, nothing keeps Node alive', async () => {
    const run = await runNode(fixture('keepalive.mjs'), ['settled'], { cwd: root });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ result: 'timed-out' });
    expect(run.ms).toBeLessThan(5_000);
  });

  test.each(['terminate', 'exit'])(
    'worker_threads with pending waits end cleanly (%s)',
    async (mode) => {
      const run = await runNode(fixture('worker-teardown.mjs'), [mode], { cwd: root });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ pendings: [17, 17, 17, 17] });
    },
  );
});

describe('many async waits in one thread', () => {
  test('10,000 waits over 100 words sleep on one waiter thread (futex_waitv) and all settle', async () => {
    const run = await runNode(fixture('many-waits.mjs'), ['10000', '100'], { cwd: root });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report).toMatchObject({ pending: 10_000, settled: 10_000, after: 0 });
    // 100 distinct words fit one thread's 127; the first wait's thread is in the baseline.
    expect(report.extraThreads).toBeLessThanOrEqual(0);
    process.stdout.write(`10,000 pending futex waits: +${report.rssMiB} MiB RSS\n`);
  });

  test('300 distinct words take 3 waiter threads in all', async () => {
    const run = await runNode(fixture('many-waits.mjs'), ['600', '300'], { cwd: root });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report).toMatchObject({ pending: 600, settled: 600, after: 0, extraThreads: 2 });
  });

  test('without futex_waitv (MULTIPROC_FUTEX_WAITV=0) each wait has a thread, up to 1024', async () => {
    const env = { ...process.env, MULTIPROC_FUTEX_WAITV: '0' };
    const run = await runNode(fixture('many-waits.mjs'), ['200', '100'], { cwd: root, env });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Record<string, number>;
    expect(report).toMatchObject({ pending: 200, settled: 200, after: 0 });
    expect(report.extraThreads).toBeGreaterThanOrEqual(190);
    const over = await runNode(fixture('many-waits.mjs'), ['1100', '100'], { cwd: root, env });
    expect(over.stderr).toContain(
      'too many pending async futex waits in this thread (the limit is 1024)',
    );
  });

  test('exclusive waits settle one per change of the word, first in line first', async () => {
    const seg = segment();
    const settled: string[] = [];
    const wait = (name: string, order: number) =>
      futexWait(seg.words, 3, 0, undefined, { order, exclusive: true }).then((r) => {
        settled.push(name);
        expect(['ok', 'not-equal']).toContain(r);
        expect(pendingFutexWaits()).toBe(3 - settled.length);
      });
    const all = Promise.all([wait('c', 30), wait('a', 10), wait('b', 20)]);
    expect(pendingFutexWaits()).toBe(3);
    Atomics.store(seg.words, 3, 1);
    futexWake(seg.words, 3, 1);
    // The first in line settles; as it does not wait again (it "took the lock"), the next one
    // is settled after it, and so on: in order, one at a time.
    await all;
    expect(settled).toEqual(['a', 'b', 'c']);
    expect(pendingFutexWaits()).toBe(0);
    seg.close();
  });

  test('bad options are refused, and the limit error is recognisable', async () => {
    const seg = segment();
    await expect(futexWait(seg.words, 0, 0, 0, { order: -1 })).rejects.toThrow(
      'options.order must be between 0 and 9007199254740991, got -1',
    );
    await expect(futexWait(seg.words, 0, 0, 0, { exclusive: 1 as never })).rejects.toThrow(
      'options.exclusive must be a boolean, got 1 (number)',
    );
    const limit = Object.assign(new RangeError('too many'), { code: 'ERR_MP_TOO_MANY_WAITS' });
    expect([isWaitLimitError(limit), isWaitLimitError(new RangeError('x'))]).toEqual([true, false]);
    seg.close();
  });
});
