// multiproc: two children × `increments` locked increments; raw (RawValue + Lock) or value
// (Value + getLock()), argv[2].
import { emit, importOrUnavailable, params } from '../../lib/runner.mjs';
import { incrementRaw, incrementValue } from './targets.mjs';

const mp = await importOrUnavailable('multiproc');
const mode = process.argv[2] ?? 'raw';
const { increments } = params({ increments: 200_000 });

const ready = new mp.Semaphore(0);
const start = new mp.Event();
const times = new mp.RawArray('d', 4);
const lock = mode === 'raw' ? new mp.Lock() : undefined;
const value = mode === 'raw' ? new mp.RawValue('i', 0) : new mp.Value('i', 0);
const children = [0, 1].map(
  (index) =>
    new mp.Process({
      target: mode === 'raw' ? incrementRaw : incrementValue,
      args:
        mode === 'raw'
          ? [value, lock, ready, start, times, index, increments]
          : [value, ready, start, times, index, increments],
    }),
);
for (const child of children) child.start();
for (let i = 0; i < children.length; i++) await ready.acquire();
start.set();
for (const child of children) await child.join();
if (children.some((c) => c.exitcode !== 0)) throw new Error('a child failed');
if (value.value !== 2 * increments)
  throw new Error(`counter is ${value.value}, not ${2 * increments}`);
const t = times.toArray();
const seconds = (Math.max(t[1], t[3]) - Math.min(t[0], t[2])) / 1000;
emit({ seconds }, { mode, increments });
