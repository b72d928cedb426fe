// The managers examples run as a user would run them (`tsx <file>`), and their output is checked.
import { expectOutput, run, startServer } from './run-example.js';

describe('Manager examples from the Python documentation', () => {
  it('managers/manager.ts: a dict and a list changed in a child', () => {
    expectOutput(
      'managers/manager.ts',
      [
        "Map(3) { 1 => '1', '2' => 2, 0.25 => null }",
        '[',
        '  9, 8, 7, 6, 5,',
        '  4, 3, 2, 1, 0',
        ']',
        '',
      ].join('\n'),
    );
  });

  it('managers/maths.ts: a custom manager serving MathsClass', () => {
    expectOutput('managers/maths.ts', '7\n56\n');
  });

  it('managers/customize.ts: exposed methods, a generator proxy and an operator object', () => {
    expectOutput(
      'managers/customize.ts',
      [
        '--------------------',
        'you called Foo.f()',
        'you called Foo.g()',
        "f1 exposes [ 'f', 'g' ]",
        '--------------------',
        'you called Foo.g()',
        "f2 exposes [ 'g' ]",
        "method 'f' of typeid 'Foo2' is not exposed (exposed: g)",
        "method '_h' of typeid 'Foo1' is not exposed (exposed: f, g)",
        '--------------------',
        '<0> <1> <4> <9> <16> <25> <36> <49> <64> <81>',
        '--------------------',
        'op.add(23, 45) = 68',
        'op.pow(2n, 94n) = 19807040628566084398385987584n',
        "op.exposed = [ 'add', 'mul', 'pow' ]",
        '',
      ].join('\n'),
    );
  });

  it('managers/queue-server.ts serves a queue that queue-put.ts and queue-get.ts share over TCP', async () => {
    const server = await startServer(
      'managers/queue-server.ts',
      ['0'],
      /^serving on \[ '0\.0\.0\.0', (\d+) \]\n/,
    );
    const { port } = server;
    try {
      const put = run('managers/queue-put.ts', [String(port)]);
      expect(put.stderr).toBe('');
      expect(put.stdout).toBe('');
      expect(put.status).toBe(0);
      const get = run('managers/queue-get.ts', [String(port)]);
      expect(get.stderr).toBe('');
      expect(get.stdout).toBe('hello\n');
      expect(get.status).toBe(0);
      expect(server.err()).toBe('');
    } finally {
      await server.stop();
    }
  });
});
