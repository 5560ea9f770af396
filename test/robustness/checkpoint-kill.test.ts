// Crash safety of checkpoint files: a child process saving a ~9 MB checkpoint in a loop
// (saveCheckpointFile: temp file, fsync, rename) is killed with SIGKILL at seeded random
// delays, several times. After every kill the file on disk loads and is the previous or the
// next complete generation, never a torn one; temp files left by killed savers break nothing
// and are cleaned up by the next successful save.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, LegacyRandom, init } from '../../src/index.js';
import { loadCheckpointFile, saveCheckpointFile } from '../../src/node.js';

const script = new URL('./save-loop.mjs', import.meta.url).pathname;
const KILLS = Number(process.env.RECAP_KILL_ROUNDS ?? 8);
const SEED = Number(process.env.RECAP_FUZZ_SEED ?? 0x5eed231);

let dir: string;
beforeAll(async () => {
  await init({ threads: 1 });
  expect(existsSync(new URL('../../dist/node.js', import.meta.url)), 'run npm run build first').toBe(true);
  dir = await mkdtemp(join(tmpdir(), 'recap-kill-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts the saver; resolves once it reported `minSaves` saves, then kills it after `delayMs`. */
function runAndKill(path: string, minSaves: number, delayMs: number): Promise<{ lastReported: number; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = 0;
    let armed = false;
    let lastReported = -1;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n').filter((l) => l.startsWith('saved '));
      seen = lines.length;
      if (lines.length) lastReported = Number(lines[lines.length - 1].slice(6));
      if (!armed && seen >= minSaves) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`saver exited by itself (code ${code}): ${err}`));
      else {
        // lines that arrived with the kill
        const lines = out.split('\n').filter((l) => l.startsWith('saved '));
        if (lines.length) lastReported = Number(lines[lines.length - 1].slice(6));
        resolve({ lastReported, pid: child.pid! });
      }
    });
    setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`saver made no progress: ${err}`));
    }, 60_000);
  });
}

describe('checkpoint files under SIGKILL', () => {
  it(`${KILLS} kills at random points while saving never leave an unreadable checkpoint`, async () => {
    const path = join(dir, 'model.recap');
    const rng = new LegacyRandom(SEED >>> 0);
    let previous = -1;
    const pids: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      // the first round waits for one complete save; later rounds may be killed before their first
      const delay = Math.floor(rng.rand() * 400);
      const { lastReported, pid } = await runAndKill(path, round === 0 ? 1 : 0, delay);
      pids.push(pid);
      const ck = await loadCheckpointFile(path); // throws FormatError if torn
      const gen = Number(ck.meta.gen);
      try {
        // a complete generation: the parameters match the meta
        expect(ck.model.getParams().b_vocab.data[0]).toBe(gen);
        // the reported save is on disk, or the one after it (renamed before it could print)
        expect(gen, `round ${round}: killed after ${delay} ms`).toBeGreaterThanOrEqual(Math.max(lastReported, previous));
        expect(gen).toBeLessThanOrEqual(Math.max(lastReported, previous) + 1);
      } finally {
        ck.model.dispose();
      }
      previous = gen;
    }
    // a stray temp file of a dead saver (and a torn one named like it) breaks nothing
    const stray = join(dir, `.model.recap.tmp-${pids[0]}-999`);
    await writeFile(stray, new Uint8Array(1000));
    const ck = await loadCheckpointFile(path);
    await saveCheckpointFile(path, ck.model, null, { gen: previous + 1 });
    ck.model.dispose();
    const left = (await readdir(dir)).filter((n) => n.includes('.tmp-'));
    expect(left, 'temp files of killed savers are removed by the next save').toEqual([]);
    const final = await loadCheckpointFile(path);
    expect(final.meta.gen).toBe(previous + 1);
    final.model.dispose();
  });

  it('a torn file (what a non-atomic write would leave) is reported, not loaded', async () => {
    const path = join(dir, 'torn.recap');
    const ck = await loadCheckpointFile(join(dir, 'model.recap'));
    await saveCheckpointFile(path, ck.model);
    ck.model.dispose();
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 3)));
    await expect(loadCheckpointFile(path)).rejects.toThrow(FormatError);
    await expect(loadCheckpointFile(path)).rejects.toThrow(/checksum|truncated/);
  });
});
