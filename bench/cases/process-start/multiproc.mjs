// multiproc: `new Process({ target }).start()` then `await join()`, through the facade.
import { emit, importOrUnavailable, params, sample } from '../../lib/runner.mjs';
import { readMark, withMarkFile } from './mark.mjs';
import { markRunning } from './target.mjs';

const { Process } = await importOrUnavailable('multiproc');
const counts = params({ warmup: 3, samples: 30 });

const marks = await withMarkFile((markFile) =>
  sample(counts, async () => {
    const t0 = process.hrtime.bigint();
    const p = new Process({ target: markRunning, args: [markFile] });
    p.start();
    await p.join();
    const t1 = process.hrtime.bigint();
    if (p.exitcode !== 0) throw new Error(`child exited with ${p.exitcode}`);
    p.close();
    return readMark(markFile, t0, t1);
  }),
);
emit({ startToRunning: marks.map((m) => m.running), startToJoin: marks.map((m) => m.joined) });
