// SIGKILL at any instruction: producers and consumers are killed in a loop while others keep
// going (processes by SIGKILL; in the thread variant, worker threads by terminate()); every item of every surviving producer must arrive exactly once, FIFO per producer,
// except at most one item per killed consumer (the one being handed to it). Then nothing of the
// program may be left in /dev/shm.
import { fixture, runNode, segmentsLeft } from './helpers.js';

it.each(['spawn', 'thread'])(
  'survives %s producers and consumers killed in a loop, and leaves nothing in /dev/shm',
  async (method) => {
    // 12 rounds kill the producer victim 4 times and a consumer victim 8 times; the end kills
    // the three victims once more.
    const run = await runNode(fixture('crash-program.mjs'), ['12', '30000', method], {
      timeoutMs: 90_000,
    });
    expect(run.stderr.split('\n').filter((l) => /Error/.test(l) && !/SIGKILL/.test(l))).toEqual([]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      producerKills: number;
      consumerKills: number;
      received: number;
      victimProducers: number;
      duplicates: number;
      fifoViolations: number;
      missingStable: string[];
      exitcode: number;
      segments: string[];
    };
    expect(summary.producerKills).toBe(5);
    expect(summary.consumerKills).toBe(10);
    expect(summary.duplicates).toBe(0);
    expect(summary.fifoViolations).toBe(0);
    expect(summary.exitcode).toBe(0);
    // At most the one item being handed to each killed consumer.
    expect(summary.missingStable.length).toBeLessThanOrEqual(summary.consumerKills);
    expect(summary.received).toBeGreaterThanOrEqual(60_000 - summary.consumerKills);
    // The resource tracker unlinks what the program made once its last process has gone.
    expect(summary.segments.length).toBeGreaterThanOrEqual(1);
    expect(await segmentsLeft(summary.segments)).toEqual([]);
  },
  120_000,
);
