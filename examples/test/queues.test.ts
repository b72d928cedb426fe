// The queue examples of Python's documentation run as a user would run them (`tsx <file>`).
import { run } from './run-example.js';

describe('Queue examples from the Python documentation', () => {
  it('queues/exchange.ts prints the list a child put', () => {
    const out = run('queues/exchange.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe("[ 42, null, 'hello' ]\n");
    expect(out.status).toBe(0);
  });

  it.each(['spawn', 'thread'])(
    'queues/spawn-context.ts %s: a context Queue gets "hello"',
    (method) => {
      const out = run('queues/spawn-context.ts', [method]);
      expect(out.stderr).toBe('');
      expect(out.stdout).toBe('hello\n');
      expect(out.status).toBe(0);
    },
  );

  it('queues/workers.ts: 4 workers fed by a queue compute every task once', () => {
    const out = run('queues/workers.ts');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Unordered results:');
    expect(lines).toHaveLength(31);
    const results = lines.slice(1).map((line) => {
      const m = /^\t (Process-\d+) says that (mul|plus)\((\d+), (\d+)\) = (\d+)$/.exec(line);
      expect(m).not.toBeNull();
      const [, , name, a, b, r] = m!;
      expect(Number(r)).toBe(name === 'mul' ? Number(a) * Number(b) : Number(a) + Number(b));
      return `${name}(${a}, ${b})`;
    });
    const expected = [
      ...Array.from({ length: 20 }, (_, i) => `mul(${i}, 7)`),
      ...Array.from({ length: 10 }, (_, i) => `plus(${i}, 8)`),
    ];
    // The first 20 lines are the mul tasks, the last 10 the plus tasks, each set once.
    expect([...results.slice(0, 20)].sort()).toEqual(expected.slice(0, 20).sort());
    expect([...results.slice(20)].sort()).toEqual(expected.slice(20).sort());
  });

  it('queues/tour.ts: timeouts, sizes, a Sync worker, for await, JoinableQueue, a growing ring and a large item', () => {
    const out = run('queues/tour.ts');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        '2 true false',
        'true ERR_MP_FULL',
        'a b',
        'true Queue is empty',
        '[ 1, 4, 9, 16 ]',
        '3 done x done y done z',
        '100',
        '99 10485760 7',
        '',
      ].join('\n'),
    );
    expect(out.status).toBe(0);
  });
});
