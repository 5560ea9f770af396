// recap train --encoder cnn end to end (in-process through main(argv, io), as test/cli.test.ts):
// a tiny run from pixels, its checkpoint carrying the CNN, `recap eval` reading the features the
// checkpoint's CNN makes (the same numbers as the run's last evaluation), `recap sample`, a
// resumed run equal to a straight one, and one-line refusals of data without pixels.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conceptCount, init, loadCheckpoint, shapesData } from '../src/index.js';
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
    const r = await run(['train', ...TINY, '--epochs', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    // --encoder cnn's own defaults: the CNN's Adam at 1e-2, alone on the concept loss for one epoch (20 iterations), then frozen
    const K = conceptCount(shapesData({ numTrain: 40, numVal: 12 }));
    expect(r.stderr).toMatch(new RegExp(`^encoder: CNN 32x32 pixels, blocks of 16-32-64 filters .*, max over positions, affine to ${K}; \\d+ parameters; adam lr=0.01, alone for 20 iterations, then frozen; concept loss ×1 \\(${K} concepts\\)$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`pixels 32x32 through a CNN \\(16-32-64 filters\\) to D=${K}`));
    expect(r.stderr).toMatch(/iteration \d+\/40 \(epoch 1\/2\): the CNN alone, concept loss \d/);
    expect(r.stdout).toMatch(/scenes named exactly/);
    const ck = loadCheckpoint(await readFile(join(out, 'model.recap')));
    expect(ck.encoder!.spec).toEqual({ imageSize: 32, channels: [16, 32, 64], outputDim: K, dtype: 'float32', head: 'max', output: 'sigmoid' });
    expect(ck.features!.recipe.encoder).toMatchObject({ arch: 'cnn', resize: 32 });
    expect(ck.solverState!.encoder!.updateRule).toBe('adam');
    expect(ck.meta).toMatchObject({ encoder: 'cnn', encoderLr: 1e-2, finetuneAfter: -1, encoderWordLoss: 0, encoderWarmup: 0, encoderConceptLoss: 1, encoderLead: 20, epochs: 2 });
    expect(ck.solverState!.encoder).toMatchObject({ conceptLoss: 1, lead: 20, finetuneAfter: -1 });
    expect(ck.solverState!.encoder!.optimConfig.t).toBe(20); // the CNN trained in the lead only
    expect(ck.solverState!.validation!.history.map((h) => h.iteration)).toEqual([40]); // no evaluation in the lead (epoch 1)
    const last = ck.solverState!.validation!.history.at(-1)!;
    expect(last.iteration).toBe(40);
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

  it('a run resumed after its second epoch (past the lead, the CNN frozen) ends with the bits of a straight run', async () => {
    const a = join(root, 'b'), b = join(root, 'c');
    expect((await run(['train', ...TINY, '--epochs', '3', '--eval-every', '0', '--out', a])).code).toBe(0);
    expect((await run(['train', ...TINY, '--epochs', '2', '--eval-every', '0', '--out', b])).code).toBe(0);
    const r = await run(['train', '--resume', '--epochs', '3', '--out', b]);
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
    const from = join(root, 'b', 'model.recap'); // the straight 3-epoch run above
    const out = join(root, 'e');
    const small = ['--max-train', '40', '--num-val', '12', '--batch', '10', '--epochs', '1', '--eval-every', '0', '--encoder-lead', '5'];
    const r = await run(['train', '--init', from, '--encoder', 'cnn', ...small, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const init = loadCheckpoint(await readFile(from));
    const ck = loadCheckpoint(await readFile(join(out, 'model.recap')));
    expect(ck.encoder!.arrays()).not.toEqual(init.encoder!.arrays()); // trained on from there
    expect(ck.solverState!.encoder!.optimConfig.t).toBe(5); // a fresh encoder optimizer: the 5 lead steps
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
    for (const flag of ['--encoder-lr', '--encoder-word-loss', '--encoder-warmup', '--encoder-concept-loss', '--encoder-lead']) {
      const f = await run(['train', flag, '1', '--out', join(root, 'd')]);
      expect(f.code).toBe(2);
      expect(lines(f.stderr)).toEqual([expect.stringMatching(new RegExp(`${flag} applies with --encoder cnn only`))]);
    }
    const lead = await run(['train', ...TINY, '--epochs', '1', '--out', join(root, 'd')]); // the lead (one epoch) would be the whole run
    expect(lead.code).toBe(2);
    expect(lines(lead.stderr)).toEqual([expect.stringMatching(/^recap train: --encoder-lead 20 leaves none of the run's 20 iterations to the model/)]);
    const x = await run(['train', '--encoder', 'cnn', '--objective', 'scst', '--out', join(root, 'd')]);
    expect(x.code).toBe(2);
    expect(lines(x.stderr).length).toBe(1);
  });

  it('--encoder-concept-loss 0: 64 plain features, the CNN fine-tuned with the model from --finetune-after, no lead', async () => {
    const out = join(root, 'g');
    const r = await run(['train', ...TINY, '--epochs', '1', '--encoder-concept-loss', '0', '--finetune-after', '0', '--encoder-word-loss', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^encoder: .* affine to 64; \d+ parameters; adam lr=0.01, fine-tuned with the model from iteration 0; word loss ×2$/m);
    const ck = loadCheckpoint(await readFile(join(out, 'model.recap')));
    expect(ck.encoder!.spec).toEqual({ imageSize: 32, channels: [16, 32, 64], outputDim: 64, dtype: 'float32', head: 'max' });
    expect(ck.meta).toMatchObject({ encoderConceptLoss: 0, encoderLead: 0, epochs: 1 });
    expect(ck.solverState!.encoder!.optimConfig.t).toBe(20);
    ck.model.dispose();
  });
});
