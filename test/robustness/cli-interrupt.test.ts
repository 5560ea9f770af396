// `recap train` interrupted by SIGINT again and again (at seeded random points, one more
// resume after each) ends with exactly the loss history and parameters of an uninterrupted
// run. (test/cli.test.ts covers one interrupt, the messages and the refused flag changes.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LegacyRandom, init } from '../../src/index.js';
import { loadCheckpointFile } from '../../src/node.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const ARGS = ['--max-train', '60', '--num-val', '4', '--hidden', '16', '--wordvec', '8', '--batch', '10', '--epochs', '200', '--threads', '1'];
const ROUNDS = Number(process.env.RECAP_INTERRUPT_ROUNDS ?? 3);
const SEED = Number(process.env.RECAP_FUZZ_SEED ?? 0x5eed231);

let root: string;
beforeAll(async () => {
  await init({ threads: 1 });
  expect(existsSync(CLI), 'run npm run build first').toBe(true);
  root = await mkdtemp(join(tmpdir(), 'recap-sigint-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Runs `recap train` and sends SIGINT once the progress shows `after` ms of training. */
function interrupted(args: string[], afterMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b;
      if (!armed && /^model: /m.test(stderr)) {
        armed = true;
        setTimeout(() => child.kill('SIGINT'), afterMs);
      }
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('recap train under repeated SIGINT', () => {
  it(`${ROUNDS} interrupts and resumes give the uninterrupted run, bit for bit`, async () => {
    const ref = join(root, 'ref');
    const full = spawnSync(process.execPath, [CLI, 'train', ...ARGS, '--out', ref], { encoding: 'utf8' });
    expect(full.status, full.stderr).toBe(0);
    const want = await loadCheckpointFile(join(ref, 'model.recap'));
    const total = want.lossHistory.length;
    expect(total).toBe(6000); // 300 captions / batch 10 = 30 iterations per epoch

    const out = join(root, 'run');
    const rng = new LegacyRandom(SEED >>> 0);
    let done = 0;
    let interrupts = 0;
    const stops: number[] = [];
    for (let round = 0; round < ROUNDS && done < total; round++) {
      const args = round === 0 ? [...ARGS, '--out', out] : ['--resume', '--out', out];
      const r = await interrupted(args, Math.floor(rng.rand() * 400));
      if (r.code === 0) break; // finished before the signal arrived
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`interrupted at iteration \\d+/${total}; saved `));
      const mid = await loadCheckpointFile(join(out, 'model.recap'));
      expect(mid.lossHistory.length).toBeGreaterThanOrEqual(done);
      expect(mid.lossHistory).toEqual(want.lossHistory.slice(0, mid.lossHistory.length));
      done = mid.lossHistory.length;
      mid.model.dispose();
      interrupts++;
      stops.push(done);
    }
    console.log(`cli interrupt: ${interrupts} SIGINTs, stopped at iterations ${stops.join(', ')} of ${total}`);
    expect(interrupts, 'at least one run was interrupted').toBeGreaterThan(0);
    const last = spawnSync(process.execPath, [CLI, 'train', '--resume', '--out', out], { encoding: 'utf8' });
    expect(last.status, last.stderr).toBe(0);
    const got = await loadCheckpointFile(join(out, 'model.recap'));
    expect(got.lossHistory).toEqual(want.lossHistory);
    const a = got.model.getParams();
    const b = want.model.getParams();
    for (const k of Object.keys(a) as (keyof typeof a)[]) expect(a[k].data, k).toEqual(b[k].data);
    got.model.dispose();
    want.model.dispose();
  });
});
