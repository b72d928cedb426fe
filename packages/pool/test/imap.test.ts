import { AbortError, Pool, ProcessError, ThreadPool } from '@multiproc/pool';
import { nextSteps, settle, tasks, usePool } from './helpers.js';

describe.each(['spawn', 'thread'] as const)('imap laziness with %s workers', (method) => {
  let pool!: Pool;
  usePool(method, 2, (p) => (pool = p));

  /** An endless generator that counts what was taken from it and whether it was closed. */
  function counting(): { gen: Generator<number>; pulled: () => number; closed: () => boolean } {
    let pulled = 0;
    let closed = false;
    function* gen(): Generator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    return { gen: gen(), pulled: () => pulled, closed: () => closed };
  }

  it('reads an endless generator only maxInFlight chunks ahead of the consumer', async () => {
    const source = counting();
    const it = pool.imap(tasks.square, source.gen, { chunksize: 10, maxInFlight: 3 });
    // Before anything is taken: at most 3 chunks of 10 have been read.
    await new Promise((r) => setTimeout(r, 100));
    expect(source.pulled()).toBeLessThanOrEqual(30);
    let taken = 0;
    for await (const y of it) {
      expect(y).toBe(taken * taken);
      taken++;
      // Never more than 3 chunks beyond what the consumer has taken (plus the one in its hand).
      expect(source.pulled()).toBeLessThanOrEqual(Math.ceil(taken / 10) * 10 + 30);
      if (taken === 500) break;
    }
    expect(taken).toBe(500);
    // `break` closed the generator and dropped the queued chunks.
    expect(source.closed()).toBe(true);
    const pulledAtBreak = source.pulled();
    await new Promise((r) => setTimeout(r, 50));
    expect(source.pulled()).toBe(pulledAtBreak);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('imapUnordered on an endless generator stays bounded too', async () => {
    const source = counting();
    const seen = new Set<number>();
    for await (const y of pool.imapUnordered(tasks.square, source.gen, { maxInFlight: 4 })) {
      seen.add(y);
      expect(source.pulled()).toBeLessThanOrEqual(seen.size + 4 + 1);
      if (seen.size === 300) break;
    }
    expect(seen.size).toBe(300);
    expect(source.closed()).toBe(true);
  });

  it('takes an async iterable', async () => {
    async function* slowly(): AsyncGenerator<number> {
      for (let i = 1; i <= 5; i++) {
        await new Promise((r) => setTimeout(r, 2));
        yield i;
      }
    }
    const out: number[] = [];
    for await (const y of pool.imap(tasks.square, slowly(), { chunksize: 2 })) out.push(y);
    expect(out).toEqual([1, 4, 9, 16, 25]);
  });

  it('ends with the iterable’s own error after the results before it', async () => {
    function* broken(): Generator<number> {
      yield 1;
      yield 2;
      throw new SyntaxError('bad input line 3');
    }
    const it = pool.imap(tasks.square, broken());
    const steps = await nextSteps(it, 4);
    expect(steps).toEqual([
      { done: false, value: 1 },
      { done: false, value: 4 },
      'SyntaxError: bad input line 3',
      { done: true, value: undefined },
    ]);
  });

  it('ends at an item that cannot be sent, naming it, after the items before it', async () => {
    const items = [1, 2, 3, { handler: () => 0 }, 5];
    const it = pool.imap(tasks.identity, items, { chunksize: 2 });
    const steps = await nextSteps(it, 5);
    expect(steps.slice(0, 3)).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
    ]);
    expect(steps[3]).toMatch(/^TypeError: items\[3\]\.handler is a function and cannot be sent/);
    expect(steps[4]).toEqual({ done: true, value: undefined });
  });

  it('an abort ends the iteration with AbortError and closes the source', async () => {
    const source = counting();
    const controller = new AbortController();
    const it = pool.imap(tasks.square, source.gen, { signal: controller.signal });
    expect(await it.next()).toEqual({ done: false, value: 0 });
    controller.abort();
    const step = await settle(it.next());
    expect(!step.ok && step.error).toBeInstanceOf(AbortError);
    expect(!step.ok && step.error.message).toBe('pool.imap() was aborted');
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(source.closed()).toBe(true);
  });

  it('concurrent next() calls get successive results', async () => {
    const it = pool.imap(tasks.square, [1, 2, 3]);
    const all = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(all).toEqual([
      { done: false, value: 1 },
      { done: false, value: 4 },
      { done: false, value: 9 },
      { done: true, value: undefined },
    ]);
  });

  it('terminate() ends a running imap with the termination error', async () => {
    const own = method === 'thread' ? new ThreadPool(1) : new Pool(1);
    const it = own.imap(tasks.delayed, [1, 10_000, 1]);
    expect(await it.next()).toEqual({ done: false, value: 1 });
    const pending = settle(it.next());
    await new Promise((r) => setTimeout(r, 50));
    own.terminate();
    const step = await pending;
    expect(!step.ok && step.error).toBeInstanceOf(ProcessError);
    expect(!step.ok && step.error.message).toBe(
      'the pool was terminated before this task finished',
    );
    expect(await it.next()).toEqual({ done: true, value: undefined });
    await own.join();
  });
});
