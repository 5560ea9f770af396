// recap train --objective scst --init FILE: self-critical training from a trained checkpoint,
// in-process through main(argv, io) on tiny data: the outputs, the options kept in the
// checkpoint, interrupt and --resume (bit-identical), and the flag combinations refused.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, loadCheckpoint } from '../src/index.js';
import { runCli } from './cli-run.js';

// 60 images × 5 captions / batch 10 = 30 iterations per epoch
const TINY = ['--max-train', '60', '--num-val', '12', '--hidden', '16', '--wordvec', '8', '--batch', '10'];

let root: string;
let xe: string;
let n = 0;
const dir = () => join(root, `run${n++}`);

const run = runCli;
const checkpointOf = async (d: string) => loadCheckpoint(await readFile(join(d, 'model.recap')));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'recap-scst-'));
  await init();
  xe = dir();
  const r = await run(['train', ...TINY, '--epochs', '2', '--out', xe]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SCST = () => ['train', '--objective', 'scst', '--init', join(xe, 'model.recap'), '--batch', '10', '--scst-samples', '3'];

describe('recap train --objective scst', () => {
  it('trains from the --init model (its architecture and data), writes a normal checkpoint and reports the rewards', async () => {
    const out = dir();
    const r = await run([...SCST(), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^data: shapes world: 60 train images \(300 captions\), 12 val images/m);
    expect(r.stderr).toMatch(/adam lr=0\.0005 decay=0\.85, batch 10, 1 epochs = 30 iterations/);
    expect(r.stderr).toMatch(/iteration 30\/30 \(epoch 1\/1\): loss -?\d+\.\d{4}, reward \d+\.\d{3}, /);
    expect(r.stderr).toMatch(/objective: self-critical sequence training from .*model\.recap: 3 sampled captions per image, greedy baseline, CIDEr-D reward/);
    expect(r.stdout).toMatch(/mean CIDEr-D reward of the sampled captions: first 50 iterations \d+\.\d{3}, last 50 \d+\.\d{3}/);
    expect(r.stdout).toMatch(/val corpus BLEU-4/);
    for (const f of ['model.recap', 'loss.svg', 'samples.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const ckpt = await checkpointOf(out);
    const start = await checkpointOf(xe);
    expect(ckpt.model.config).toEqual(start.model.config);
    expect(ckpt.meta).toMatchObject({ objective: 'scst', init: join(xe, 'model.recap'), scstSamples: 3, scstBaseline: 'greedy', lr: 5e-4, epochs: 1,
      hidden: 16, wordvec: 8, cell: 'lstm', maxTrain: 60, numVal: 12, finished: true });
    expect(ckpt.lossHistory).toHaveLength(30);
    expect(ckpt.solverState!.scst).toMatchObject({ samples: 3, baseline: 'greedy' });
    expect(ckpt.solverState!.scst!.rewardHistory).toHaveLength(30);
    // the parameters moved away from the --init model
    expect(ckpt.model.getParams().Wx.data).not.toEqual(start.model.getParams().Wx.data);
    ckpt.model.dispose();
    start.model.dispose();
  });

  it('an interrupted SCST run resumes bit-identically (mean baseline)', async () => {
    const whole = dir(), cut = dir();
    const args = [...SCST(), '--scst-baseline', 'mean', '--epochs', '2'];
    expect((await run([...args, '--out', whole])).code).toBe(0);
    const ac = new AbortController();
    const r = await run([...args, '--out', cut], { signal: ac.signal, onStep: (info) => { if (info.iteration === 22) ac.abort(); } });
    expect(r.code).toBe(130);
    const resumed = await run(['train', '--resume', '--out', cut, '--threads', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .*model\.recap at iteration 23\/60/);
    expect(resumed.stderr).toMatch(/mean baseline/);
    const a = await checkpointOf(whole), b = await checkpointOf(cut);
    expect(b.lossHistory).toEqual(a.lossHistory);
    expect(b.solverState!.scst).toEqual(a.solverState!.scst);
    const pa = a.model.getParams(), pb = b.model.getParams();
    for (const k of Object.keys(pa) as (keyof typeof pa)[]) expect(pb[k].data, k).toEqual(pa[k].data);
    a.model.dispose();
    b.model.dispose();
  });

  it('refuses flag combinations that cannot work, before loading anything', async () => {
    const usage = async (argv: string[], msg: RegExp) => {
      const r = await run(argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    };
    await usage(['train', '--objective', 'scst', '--out', dir()], /--objective scst needs --init FILE/);
    await usage(['train', '--init', join(xe, 'model.recap'), '--resume', '--out', xe], /--init starts a new run and --resume continues one/);
    await usage([...SCST(), '--hidden', '32', '--out', dir()], /--hidden comes from the --init model/);
    await usage(['train', ...TINY, '--scst-samples', '4', '--out', dir()], /--scst-samples applies to --objective scst only/);
    await usage([...SCST(), '--scst-baseline', 'best', '--out', dir()], /--scst-baseline: expected one of greedy, mean/);
    await usage(['train', '--objective', 'rl', '--out', dir()], /--objective: expected one of xe, scst/);
    const missing = await run(['train', '--objective', 'scst', '--init', join(root, 'nope.recap'), '--out', dir()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.recap/);
  });
});
