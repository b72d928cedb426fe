import {
  AbortError,
  Pool,
  ProcessError,
  ThreadPool,
  TimeoutError,
  WorkerLostError,
  type PoolOptions,
} from '@multiproc/pool';
import { activeChildren } from '@multiproc/process';
import {
  expectNoChildren,
  isPidAlive,
  lines,
  settle,
  tasks,
  tempDir,
  waitUntil,
} from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe.each(['spawn', 'thread'] as const)('Pool lifecycle with %s workers', (method) => {
  const make = (options: Omit<PoolOptions, 'context'> = {}): Pool =>
    method === 'thread' ? new ThreadPool(options) : new Pool(options);
  const workerName = method === 'thread' ? 'ThreadPoolWorker' : 'PoolWorker';
  const pools: Pool[] = [];
  const pool = (options: Omit<PoolOptions, 'context'> = {}): Pool => {
    const p = make(options);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    for (const p of pools.splice(0)) {
      p.terminate();
      await p.join();
    }
    await expectNoChildren();
  });

  describe('a worker that dies under a task', () => {
    it('fails that task with WorkerLostError naming the worker and exit code, and is replaced', async () => {
      const p = pool({ processes: 1 });
      const before = await p.apply(tasks.whoami);
      const outcome = await settle(p.apply(tasks.die, [3]));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(WorkerLostError);
      expect(outcome.error.code).toBe('ERR_MP_WORKER_LOST');
      expect(outcome.error.exitcode).toBe(3);
      expect(outcome.error.message).toBe(
        `worker ${before.name} (pid ${before.pid}) exited with code 3 while running a task of pool.apply(); the pool replaced it`,
      );
      const after = await p.apply(tasks.whoami);
      expect(after.name).not.toBe(before.name);
      expect(await p.apply(tasks.square, [5])).toBe(25);
    });

    if (method === 'spawn') {
      it('killed by SIGKILL: the task fails, the process is gone, the pool goes on', async () => {
        const p = pool({ processes: 1 });
        const before = await p.apply(tasks.whoami);
        const outcome = await settle(p.apply(tasks.die, ['SIGKILL']));
        if (outcome.ok) throw new Error('expected a rejection');
        expect(outcome.error).toBeInstanceOf(WorkerLostError);
        expect(outcome.error.exitcode).toBe(-9);
        expect(outcome.error.message).toBe(
          `worker ${before.name} (pid ${before.pid}) was killed by SIGKILL (exit code -9) while running a task of pool.apply(); the pool replaced it`,
        );
        expect(isPidAlive(before.pid)).toBe(false);
        const after = await p.apply(tasks.whoami);
        expect(after.pid).not.toBe(before.pid);
      });

      it('killed from outside during a map: the map rejects instead of hanging (Python hangs)', async () => {
        const p = pool({ processes: 2 });
        const pids = new Set<number>();
        while (pids.size < 2) {
          const batch = await Promise.all([p.apply(tasks.spin, [30]), p.apply(tasks.whoami)]);
          pids.add((batch[1] as { pid: number }).pid);
          for (const w of p.workers()) if (w.pid !== undefined) pids.add(w.pid);
        }
        const started = performance.now();
        const map = settle(p.map(tasks.spin, [400, 400, 400, 400], { chunksize: 1 }));
        await new Promise((r) => setTimeout(r, 100));
        const victim = [...pids][0] as number;
        process.kill(victim, 'SIGKILL');
        const outcome = await map;
        if (outcome.ok) throw new Error('expected a rejection');
        expect(outcome.error).toBeInstanceOf(WorkerLostError);
        expect(outcome.error.message).toMatch(
          new RegExp(
            `^worker PoolWorker-\\d+ \\(pid ${victim}\\) was killed by SIGKILL \\(exit code -9\\) while running a task of pool\\.map\\(\\)`,
          ),
        );
        expect(performance.now() - started).toBeLessThan(5000);
        expect(await p.map(tasks.square, [1, 2, 3])).toEqual([1, 4, 9]);
      });
    }

    it('does not lose the tasks it had received but not started', async () => {
      const p = pool({ processes: 1 });
      // Time the function first, so the pool pipelines its tasks into the one worker.
      for (let i = 0; i < 20; i++) await p.apply(tasks.dieOn, [i, -1]);
      const results = Array.from({ length: 12 }, (_, i) => p.applyAsync(tasks.dieOn, [i, 5]));
      const outcomes = await Promise.all(results.map((r) => settle(r.get())));
      expect(outcomes.map((o) => (o.ok ? o.value : o.error.name))).toEqual([
        0,
        1,
        2,
        3,
        4,
        'WorkerLostError',
        6,
        7,
        8,
        9,
        10,
        11,
      ]);
    });

    it('fails only its item in imap; iteration goes on', async () => {
      const p = pool({ processes: 2 });
      const seen: unknown[] = [];
      const dying = p.imap((x: number) => (x === 3 ? process.exit(9) : x), [1, 2, 3, 4]);
      for (;;) {
        const step = await settle(dying.next());
        if (step.ok && step.value.done) break;
        seen.push(step.ok ? step.value.value : step.error.name);
      }
      expect(seen).toEqual([1, 2, 'WorkerLostError', 4]);
    });
  });

  describe('per-task timeout', () => {
    it('kills a task over its timeout with its worker, rejects with TimeoutError, and goes on', async () => {
      const p = pool({ processes: 1 });
      const before = await p.apply(tasks.whoami);
      const started = performance.now();
      const outcome = await settle(p.apply(tasks.spin, [10_000], { timeout: 100 }));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(TimeoutError);
      expect(outcome.error.message).toBe(
        `a task of pool.apply() ran past its timeout of 100 ms; its worker ${before.name} (pid ${before.pid}) was killed and will be replaced`,
      );
      expect(performance.now() - started).toBeLessThan(3000);
      if (method === 'spawn')
        expect(await waitUntil(() => !isPidAlive(before.pid), 3000)).toBe(true);
      expect(await p.apply(tasks.spin, [10], { timeout: 5000 })).toBe(10);
      expect((await p.apply(tasks.whoami)).name).not.toBe(before.name);
    });

    it('fails a map whose chunk runs too long', async () => {
      const p = pool({ processes: 2 });
      const outcome = await settle(
        p.map(tasks.spin, [5, 5, 20_000, 5], { chunksize: 1, timeout: 1000 }),
      );
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      expect(await p.map(tasks.square, [2, 3])).toEqual([4, 9]);
    });
  });

  describe('AbortSignal', () => {
    it('rejects at once for an aborted signal, without starting anything', async () => {
      const p = pool({ processes: 1 });
      const controller = new AbortController();
      controller.abort(new Error('no thanks'));
      const outcome = await settle(p.apply(tasks.square, [2], { signal: controller.signal }));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(AbortError);
      expect(outcome.error.name).toBe('AbortError');
      expect(outcome.error.message).toBe('pool.apply() was aborted');
      expect((outcome.error.cause as Error).message).toBe('no thanks');
      expect(p.workers()).toEqual([]);
      const mapped = await settle(p.map(tasks.square, [1], { signal: controller.signal }));
      expect(!mapped.ok && mapped.error.message).toBe('pool.map() was aborted');
    });

    it('cancels a running task by killing its worker', async () => {
      const p = pool({ processes: 1 });
      const before = await p.apply(tasks.whoami);
      const controller = new AbortController();
      const started = performance.now();
      const running = settle(p.apply(tasks.spin, [10_000], { signal: controller.signal }));
      setTimeout(() => controller.abort(), 50);
      const outcome = await running;
      expect(!outcome.ok && outcome.error).toBeInstanceOf(AbortError);
      expect(performance.now() - started).toBeLessThan(3000);
      if (method === 'spawn')
        expect(await waitUntil(() => !isPidAlive(before.pid), 3000)).toBe(true);
      expect(await p.apply(tasks.square, [6])).toBe(36);
    });

    it('drops the queued chunks of a map: they never run', async () => {
      const p = pool({ processes: 1 });
      const file = tmp.file(`${method}-abort-map.txt`);
      const controller = new AbortController();
      const items = Array.from({ length: 20 }, (_, i) => [file, `item ${i}`, 20]);
      const running = settle(
        p.starmap(tasks.mark, items, { chunksize: 1, signal: controller.signal }),
      );
      await waitUntil(() => lines(file).length >= 2, 5000);
      controller.abort();
      const outcome = await running;
      expect(!outcome.ok && outcome.error).toBeInstanceOf(AbortError);
      const ran = lines(file).length;
      await new Promise((r) => setTimeout(r, 200));
      expect(lines(file).length).toBe(ran);
      expect(ran).toBeLessThan(20);
    });
  });

  describe('close, join, terminate', () => {
    it('close() then join() finishes the queued work, then the workers exit', async () => {
      const p = make({ processes: 1 });
      const file = tmp.file(`${method}-drain.txt`);
      const results = [1, 2, 3, 4, 5].map((i) => p.applyAsync(tasks.mark, [file, `task ${i}`, 10]));
      p.close();
      expect(p.state).toBe('closing');
      await p.join();
      expect(p.state).toBe('closed');
      expect(lines(file)).toEqual(['task 1', 'task 2', 'task 3', 'task 4', 'task 5']);
      expect(results.every((r) => r.ready() && r.successful())).toBe(true);
      expect(p.workers()).toEqual([]);
      expect(activeChildren()).toEqual([]);
      await p.join(); // again: resolves at once
    });

    it('join() before close() or terminate() rejects', async () => {
      const p = pool({ processes: 1 });
      const outcome = await settle(p.join());
      expect(!outcome.ok && outcome.error).toBeInstanceOf(ProcessError);
      expect(!outcome.ok && outcome.error.message).toBe(
        'join() needs close() or terminate() first',
      );
    });

    it('close() with an imap still being read waits for it', async () => {
      const p = make({ processes: 2 });
      const it = p.imap(tasks.square, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { maxInFlight: 2 });
      p.close();
      const out: number[] = [];
      for await (const y of it) out.push(y);
      await p.join();
      expect(out).toEqual([1, 4, 9, 16, 25, 36, 49, 64, 81, 100]);
    });

    it('terminate() rejects unfinished work and leaves no process behind', async () => {
      const p = make({ processes: 2 });
      const pids = (await Promise.all([p.apply(tasks.whoami), p.apply(tasks.whoami)])).map(
        (w) => w.pid,
      );
      const running = [1, 2, 3, 4].map(() => settle(p.apply(tasks.spin, [10_000])));
      await new Promise((r) => setTimeout(r, 50));
      p.terminate();
      expect(p.state).toBe('terminated');
      const outcomes = await Promise.all(running);
      for (const outcome of outcomes) {
        if (outcome.ok) throw new Error('expected a rejection');
        expect(outcome.error).toBeInstanceOf(ProcessError);
        expect(outcome.error.code).toBe('ERR_MP_POOL_TERMINATED');
        expect(outcome.error.message).toBe('the pool was terminated before this task finished');
      }
      await p.join();
      if (method === 'spawn') for (const pid of pids) expect(isPidAlive(pid)).toBe(false);
      expect(activeChildren()).toEqual([]);
      expect(() => p.applyAsync(tasks.square, [1])).toThrow(
        'the pool was terminated: no new tasks can be submitted',
      );
      p.terminate(); // idempotent
    });

    it('await using terminates the pool at the end of the block', async () => {
      let pid = 0;
      {
        await using p = make({ processes: 1 });
        pid = (await p.apply(tasks.whoami)).pid;
        void p.apply(tasks.spin, [10_000]).catch(() => undefined);
      }
      if (method === 'spawn') expect(isPidAlive(pid)).toBe(false);
      expect(activeChildren()).toEqual([]);
    });
  });

  describe('initializer', () => {
    it('runs initializer(...initargs) in every worker before its tasks', async () => {
      const p = pool({ processes: 2, initializer: tasks.setState, initargs: ['db', 7] });
      const states = await p.map(tasks.getState, [1, 2, 3, 4], {
        chunksize: 1,
      });
      expect(states).toEqual(['db+7', 'db+7', 'db+7', 'db+7']);
    });

    it('that throws stops the pool with a clear error instead of restarting workers forever', async () => {
      const p = pool({ processes: 2, initializer: tasks.failInit, initargs: ['no database'] });
      const outcome = await settle(p.apply(tasks.square, [2]));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error).toBeInstanceOf(ProcessError);
      expect(outcome.error.code).toBe('ERR_MP_POOL_INITIALIZER');
      expect(outcome.error.message).toBe(
        `the pool's initializer failed in ${workerName}-1: Error: no database`,
      );
      expect((outcome.error.cause as Error).message).toBe('no database');
      expect(p.state).toBe('broken');
      const again = await settle(p.apply(tasks.square, [2]));
      expect(!again.ok && again.error).toBe(outcome.error);
      await waitUntil(() => p.workers().length === 0, 3000);
      expect(p.workers()).toEqual([]);
    });

    it('whose workers die before they are ready breaks the pool after three in a row', async () => {
      const p = pool({ processes: 1, initializer: tasks.die, initargs: [4] });
      const outcome = await settle(p.apply(tasks.square, [2]));
      if (outcome.ok) throw new Error('expected a rejection');
      expect(outcome.error.code).toBe('ERR_MP_POOL_BROKEN');
      expect(outcome.error.message).toBe(
        `pool workers keep dying before they are ready: ${workerName}-3 exited with code 4, 3 in a row; see their output on stderr`,
      );
    });
  });

  describe('worker recycling', () => {
    it('maxtasksperchild replaces a worker after that many tasks', async () => {
      const p = pool({ processes: 1, maxtasksperchild: 2 });
      const names: string[] = [];
      for (let i = 0; i < 6; i++) names.push((await p.apply(tasks.whoami)).name);
      expect(names).toEqual([
        `${workerName}-1`,
        `${workerName}-1`,
        `${workerName}-2`,
        `${workerName}-2`,
        `${workerName}-3`,
        `${workerName}-3`,
      ]);
    });

    it('maxMemoryPerChild replaces a worker whose memory grew past the limit', async () => {
      const p = pool({ processes: 1, maxMemoryPerChild: 150 * 1024 * 1024 });
      const first = await p.apply(tasks.whoami);
      expect((await p.apply(tasks.whoami)).name).toBe(first.name);
      await p.apply(tasks.allocate, [200]);
      expect((await p.apply(tasks.whoami)).name).not.toBe(first.name);
    });
  });
});
