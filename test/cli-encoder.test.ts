// recap train --encoder cnn end to end (in-process through main(argv, io), as test/cli.test.ts):
// a tiny run from pixels, its checkpoint carrying the CNN, `recap eval` reading the features the
// checkpoint's CNN makes (the same numbers as the run's last evaluation), `recap sample`, a
// resumed run equal to a straight one, and one-line refusals of data without pixels.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, loadCheckpoint } from '../src/index.js';
import { runCli } from './cli-run.js';

// 40 images × 5 captions / batch 10 = 20 iterations per epoch
const TINY = ['--max-train', '40', '--num-val', '12', '--hidden', '16', '--wordvec', '8', '--batch', '10', '--encoder', 'cnn'];

let root: string;
beforeAll(async () => {
  await init();
  root = await mkdtemp(join(tmpdir(), 'recap-cli-cnn-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = runCli;
const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('recap train --encoder cnn', () => {
  it('trains from pixels; the checkpoint carries the CNN; recap eval and sample read its features', async () => {
    const out = join(root, 'a');
    const r = await run(['train', ...TINY, '--epochs', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    // --encoder cnn's own defaults: the CNN's Adam at 3e-3, the word loss at weight 2
    expect(r.stderr).toMatch(/^encoder: CNN 32x32 pixels, blocks of 8-16-32 filters .*, max over positions, affine to 64; \d+ parameters; adam lr=0.003, from iteration 0; word loss ×2$/m);
    expect(r.stderr).toMatch(/pixels 32x32 through a CNN \(8-16-32 filters\) to D=64/);
    expect(r.stdout).toMatch(/scenes named exactly/);
    const ck = loadCheckpoint(await readFile(join(out, 'model.recap')));
    expect(ck.encoder!.spec).toEqual({ imageSize: 32, channels: [8, 16, 32], outputDim: 64, dtype: 'float32', head: 'max' });
    expect(ck.features!.recipe.encoder).toMatchObject({ arch: 'cnn', resize: 32 });
    expect(ck.solverState!.encoder!.updateRule).toBe('adam');
    expect(ck.meta).toMatchObject({ encoder: 'cnn', encoderLr: 3e-3, finetuneAfter: 0, encoderWordLoss: 2, encoderWarmup: 0 });
    expect(ck.solverState!.encoder!.wordLoss).toBe(2);
    expect(ck.solverState!.encoder!.words!.w.length).toBe(64 * 45); // the word head: D x V
    const last = ck.solverState!.validation!.history.at(-1)!;
    expect(last.iteration).toBe(20);
    ck.model.dispose();

    const e = await run(['eval', '--checkpoint', join(out, 'model.recap'), '--json', '--max-images', '12']);
    expect(e.code, e.stderr).toBe(0);
    const json = JSON.parse(e.stdout);
    expect(json.images).toBe(12);
    expect(json.cider).toBe(last.cider); // the run's last evaluation: the same features, the same captions
    expect(json.sceneAccuracy).toBeDefined();
    const table = await run(['eval', '--checkpoint', join(out, 'model.recap')]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/scenes named exactly/);
    const s = await run(['sample', '--checkpoint', join(out, 'model.recap'), '--n', '2']);
    expect(s.code, s.stderr).toBe(0);
    expect(lines(s.stdout).filter((l) => l.trim().startsWith('greedy')).length).toBe(2);
  });

  it('a run resumed after its first epoch ends with the bits of a straight run', async () => {
    const a = join(root, 'b'), b = join(root, 'c');
    expect((await run(['train', ...TINY, '--epochs', '2', '--eval-every', '0', '--out', a])).code).toBe(0);
    expect((await run(['train', ...TINY, '--epochs', '1', '--eval-every', '0', '--out', b])).code).toBe(0);
    const r = await run(['train', '--resume', '--epochs', '2', '--out', b]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('resuming');
    const x = loadCheckpoint(await readFile(join(a, 'model.recap')));
    const y = loadCheckpoint(await readFile(join(b, 'model.recap')));
    expect(y.lossHistory).toEqual(x.lossHistory);
    expect(y.encoder!.arrays()).toEqual(x.encoder!.arrays());
    for (const [k, t] of Object.entries(x.model.getParams())) expect(Array.from(y.model.getParams()[k as 'Wx'].data), k).toEqual(Array.from(t.data));
    expect(y.solverState!.encoder).toEqual(x.solverState!.encoder);
    x.model.dispose();
    y.model.dispose();
  });

  it('--init a CNN checkpoint with --encoder cnn starts from its CNN and model; without --encoder it is refused in one line', async () => {
    const from = join(root, 'b', 'model.recap'); // the straight 2-epoch run above
    const out = join(root, 'e');
    const small = ['--max-train', '40', '--num-val', '12', '--batch', '10', '--epochs', '1', '--eval-every', '0'];
    const r = await run(['train', '--init', from, '--encoder', 'cnn', ...small, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const init = loadCheckpoint(await readFile(from));
    const ck = loadCheckpoint(await readFile(join(out, 'model.recap')));
    expect(ck.encoder!.arrays()).not.toEqual(init.encoder!.arrays()); // trained on from there
    expect(ck.solverState!.encoder!.optimConfig.t).toBe(20); // a fresh encoder optimizer: 20 steps
    const plain = await run(['train', '--init', from, ...small, '--out', join(root, 'f')]);
    expect(plain.code).toBe(2);
    expect(lines(plain.stderr), plain.stderr).toEqual([expect.stringMatching(/^recap train: --init .*model.recap holds a model trained with --encoder cnn .*; add --encoder cnn/)]);
    init.model.dispose();
    ck.model.dispose();
  });

  it('data without pixels, and encoder flags without --encoder, are one-line errors', async () => {
    const r = await run(['train', '--data', 'prepared:nowhere.recapdata', '--encoder', 'cnn', '--out', join(root, 'd')]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^recap train: --encoder cnn trains on pixels, but --data prepared:nowhere.recapdata holds image features only/)]);
    const c = await run(['train', '--data', 'coco:nowhere', '--encoder', 'cnn', '--out', join(root, 'd')]);
    expect(c.code).toBe(2);
    expect(lines(c.stderr).length).toBe(1);
    for (const flag of ['--encoder-lr', '--encoder-word-loss', '--encoder-warmup']) {
      const f = await run(['train', flag, '1', '--out', join(root, 'd')]);
      expect(f.code).toBe(2);
      expect(lines(f.stderr)).toEqual([expect.stringMatching(new RegExp(`${flag} applies with --encoder cnn only`))]);
    }
    const x = await run(['train', '--encoder', 'cnn', '--objective', 'scst', '--out', join(root, 'd')]);
    expect(x.code).toBe(2);
    expect(lines(x.stderr).length).toBe(1);
  });
});
