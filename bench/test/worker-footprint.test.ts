// What an idle pool worker holds, checked on the built packages a user installs (the figures
// are in the pool-idle-memory case): V8 keeps the source of every loaded file for lazy
// compilation, as two-byte text if one character is not ASCII (twice the memory), and Node's
// lazy modules stay loaded once touched.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool, ThreadPool } from 'multiproc';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loaded } = require('./fixtures/footprint/loaded.cjs') as {
  loaded: () => { files: string[]; builtins: string[] };
};

const ours = (file: string): boolean =>
  file.split(path.sep).includes('packages') && /\.[cm]?js$/.test(file);

describe.each([
  ['Pool', () => new Pool(1)],
  ['ThreadPool', () => new ThreadPool(1)],
])('a %s worker', (_name, open) => {
  let seen: { files: string[]; builtins: string[] };

  beforeAll(async () => {
    const pool = open();
    try {
      // The second answer: the worker loads the addon's code when it sends its first result.
      await pool.apply(loaded, []);
      seen = await pool.apply(loaded, []);
    } finally {
      pool.close();
      await pool.join();
    }
  }, 30_000);

  it('loads only ASCII bundles of multiproc', () => {
    const files = seen.files.filter(ours);
    expect(files.some((file) => file.includes(`${path.sep}serialize${path.sep}`))).toBe(true);
    const wide = files.filter((file) => readFileSync(file).some((byte) => byte > 0x7f));
    expect(wide).toEqual([]);
  });

  it('loads neither perf_hooks nor the inspector', () => {
    expect(seen.builtins.filter((name) => name === 'perf_hooks' || name === 'inspector')).toEqual(
      [],
    );
  });
});

it("a Pool worker takes the addon its bootstrap loaded, without node-gyp-build's search", async () => {
  const pool = new Pool(1);
  try {
    await pool.apply(loaded, []);
    const { files } = await pool.apply(loaded, []);
    expect(files.filter((file) => file.endsWith('.node'))).toHaveLength(1);
    expect(files.filter((file) => file.includes('node-gyp-build'))).toEqual([]);
  } finally {
    pool.close();
    await pool.join();
  }
}, 30_000);
