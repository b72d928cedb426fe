import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driver, isPidAlive, runDriver, waitUntil } from './helpers.js';

// Whole programs, each in a fresh Node process: what a pool does to the life of its program.
describe('a program using a pool', () => {
  it.each(['spawn', 'thread'])(
    'ends on its own when its pool was never closed (%s), after its awaited work',
    async (method) => {
      const out = runDriver('forgotten.mjs', [method]);
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      const [seven, late, pids] = out.stdout.trimEnd().split('\n');
      expect([seven, late]).toEqual(['49', 'late']);
      expect(out.ms).toBeLessThan(8000);
      // Its workers ended with it.
      for (const pid of JSON.parse(pids as string) as number[]) {
        if (method === 'spawn') expect(await waitUntil(() => !isPidAlive(pid), 3000)).toBe(true);
      }
    },
  );

  it('puts nothing in the temp directory (its channels are socket pairs), even when never closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'multiproc-pool-test-tmp-'));
    try {
      const result = runDriver('cleanup.mjs', [], { TMPDIR: dir });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({ during: 0, afterTerminate: 0, afterClose: 0 });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('killed by SIGKILL, leaves no worker behind, busy or idle', async () => {
    const child = spawn(process.execPath, [driver('orphaned.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids = await new Promise<number[]>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0] as string) as number[]);
      });
      child.once('exit', (code) => reject(new Error(`driver exited with ${code} before printing`)));
    });
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isPidAlive(pid)).toBe(true);
    child.kill('SIGKILL');
    for (const pid of pids) expect(await waitUntil(() => !isPidAlive(pid), 5000)).toBe(true);
  });
});
