// recap eval / sample --split test on Karpathy-split data (prepared:FILE, karpathy:JSON), refused
// on data without a test split; recap train --max-train with prepared and Karpathy data (the
// training captions drawn as CS231n's max_train, seeded by --data-seed), inherited by eval.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError, parseCommandLine } from '../src/cli/args.js';
import { drawTrainCaptions } from '../src/data/captions.js';
import { LegacyRandom, decodeRecapData, init, loadCheckpoint } from '../src/index.js';
import { makeKarpathyFixture, writeKarpathyFixture } from './support/karpathy-fixture.js';
import { runCli } from './cli-run.js';

const run = (argv: string[]) => runCli(argv, { progressInterval: 0 });

const TINY = ['--hidden', '16', '--wordvec', '8', '--batch', '20', '--epochs', '1', '--threads', '1', '--eval-every', '0'];

describe('--split test and --max-train on Karpathy-split data', () => {
  const root = mkdtempSync(join(tmpdir(), 'cli-splits-'));
  const fx = makeKarpathyFixture({ D: 10, test: 5 });
  let paths: { json: string; feats: string };
  let prepared: string;
  beforeAll(async () => {
    await init();
    paths = await writeKarpathyFixture(root, fx);
    prepared = join(root, 'f8k.recapdata');
    expect((await run(['prepro', '--captions', paths.json, '--features', paths.feats, '--out', prepared])).code).toBe(0);
  });

  it('the parser takes --split train|val|test for eval and sample, and names the three on a bad one', () => {
    for (const cmd of ['eval', 'sample'] as const) {
      const c = parseCommandLine([cmd, '--checkpoint', 'm.recap', '--split', 'test']);
      expect(c.command === cmd && c.options.split).toBe('test');
      expect(() => parseCommandLine([cmd, '--checkpoint', 'm.recap', '--split', 'dev'])).toThrow(UsageError);
      expect(() => parseCommandLine([cmd, '--checkpoint', 'm.recap', '--split', 'dev'])).toThrow(/--split: expected one of train, val, test, got "dev"/);
    }
  });

  it('train --max-train N on prepared:FILE trains on N captions drawn as CS231n max_train; eval inherits it', async () => {
    const out = join(root, 'run-max');
    const t = await run(['train', '--data', `prepared:${prepared}`, '--max-train', '40', ...TINY, '--out', out]);
    expect(t.stderr).toMatch(/data: prepared .*: 40 train captions \(\d+ images\)/);
    expect(t.code).toBe(0);
    const ck = loadCheckpoint(readFileSync(join(out, 'model.recap')));
    expect(ck.meta).toMatchObject({ maxTrain: 40, dataSeed: 231 });
    expect(ck.solverState!.lossHistory.length).toBe(2); // floor(40 / 20) iterations
    // the progress line carries the last iteration's gradient norm (before clipping)
    expect(t.stderr).toContain(`iteration 2/2 (epoch 1/1): loss ${ck.solverState!.lossHistory[1].toFixed(4)}, grad norm ${ck.solverState!.gradNormHistory![1].toPrecision(4)}, `);
    ck.model.dispose();
    // the draw: numpy's randint(num_train, size=40) with seed 231, as load_coco_data(max_train=40)
    const { data } = decodeRecapData(readFileSync(prepared));
    const drawn = drawTrainCaptions(data, 40, 231);
    const mask = new LegacyRandom(231).randintArray(data.trainCaptions.shape[0], 40);
    const L = data.trainCaptions.shape[1];
    expect(Array.from(drawn.trainImageIdxs.data)).toEqual(Array.from(mask, (k) => data.trainImageIdxs.data[k]));
    expect(Array.from(drawn.trainCaptions.data.subarray(5 * L, 6 * L))).toEqual(Array.from(data.trainCaptions.data.subarray(mask[5] * L, (mask[5] + 1) * L)));
    expect(drawn.valCaptions).toBe(data.valCaptions);
    const e = await run(['eval', '--checkpoint', join(out, 'model.recap'), '--split', 'train', '--json']);
    expect(e.stderr).toMatch(/40 train captions/);
    expect(e.code).toBe(0);
  });

  it('train --max-train with karpathy:JSON --features, seeded by --data-seed', async () => {
    const t = await run(['train', '--data', `karpathy:${paths.json}`, '--features', paths.feats, '--max-train', '30', '--data-seed', '5', ...TINY, '--out', join(root, 'run-k')]);
    expect(t.stderr).toMatch(/data: Karpathy split .*: 30 train captions/);
    expect(t.code).toBe(0);
    expect(loadCheckpoint(readFileSync(join(root, 'run-k', 'model.recap'))).meta).toMatchObject({ maxTrain: 30, dataSeed: 5 });
  });

  it('eval --split test scores the test images; sample --split test captions them', async () => {
    const out = join(root, 'run-test');
    expect((await run(['train', '--data', `prepared:${prepared}`, ...TINY, '--out', out])).code).toBe(0);
    const { data } = decodeRecapData(readFileSync(prepared));
    const testImages = new Set(data.testImageIdxs!.data).size;
    expect(testImages).toBe(5);
    const e = await run(['eval', '--checkpoint', join(out, 'model.recap'), '--split', 'test', '--json']);
    expect(e.code).toBe(0);
    const scores = JSON.parse(e.stdout);
    expect(scores).toMatchObject({ split: 'test', images: testImages });
    for (const v of [...scores.bleu, scores.rougeL, scores.cider]) expect(Number.isFinite(v)).toBe(true);
    const val = JSON.parse((await run(['eval', '--checkpoint', join(out, 'model.recap'), '--split', 'val', '--json'])).stdout);
    expect(val.images).toBe(new Set(data.valImageIdxs.data).size);
    const s = await run(['sample', '--checkpoint', join(out, 'model.recap'), '--split', 'test', '--n', '3', '--beam', '1']);
    expect(s.code).toBe(0);
    const labels = [...s.stdout.matchAll(/^test image (\d+)/gm)].map((m) => Number(m[1]));
    expect(labels).toHaveLength(3);
    for (const img of labels) expect(img).toBeLessThan(testImages);
  });

  it('--split test on data without a test split: exit 2, one line naming the data', async () => {
    const out = join(root, 'run-shapes');
    expect((await run(['train', '--max-train', '40', '--num-val', '10', ...TINY, '--out', out])).code).toBe(0);
    for (const cmd of ['eval', 'sample']) {
      const r = await run([cmd, '--checkpoint', join(out, 'model.recap'), '--split', 'test']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^recap ${cmd}: --split test: --data shapes has no test split \\(Karpathy-split data have one: prepared:FILE, karpathy:JSON\\) \\(see 'recap ${cmd} --help'\\)\\n$`));
      expect(r.stdout).toBe('');
    }
  });
});
