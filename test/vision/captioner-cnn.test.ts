// Photos in, captions out with a model trained from pixels (`recap train --encoder cnn`): its
// checkpoint carries its CNN, so loadCaptioner and `recap caption` need no encoder file. A scene
// of the CNN's size captions as the model samples the CNN's features of it; a larger picture is
// resized and centre-cropped to that size first; an encoder given as well is refused, as is a
// feature-recipe checkpoint without one.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/cli/report.js';
import { CaptioningRNN, RecapError, decodeCaptions, saveCheckpoint, init, loadCaptioner, loadCheckpoint, loadEncoder, makeShapesScenes, renderScene, resizeAndCrop, stripSpecialTokens } from '../../src/index.js';
import type { Checkpoint } from '../../src/index.js';
import { seededStateDict } from './seeded.js';
import { runCli } from '../cli-run.js';

let root: string;
let bytes: Uint8Array;
beforeAll(async () => {
  await init();
  root = await mkdtemp(join(tmpdir(), 'recap-caption-cnn-'));
  const r = await runCli(['train', '--encoder', 'cnn', '--max-train', '40', '--num-val', '12', '--hidden', '16', '--wordvec', '8', '--batch', '10', '--epochs', '2', '--out', join(root, 'run')]);
  expect(r.code, r.stderr).toBe(0);
  bytes = new Uint8Array(await readFile(join(root, 'run', 'model.recap')));
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = runCli;

/** The model's greedy caption of features made by the checkpoint's CNN from `img` (as long as the captioner's: the run's caption length). */
function expected(ck: Checkpoint, img: { data: ArrayLike<number>; width: number; height: number }): string {
  const tokens = ck.model.sample(ck.encoder!.encode([img]), { maxLength: ck.meta.maxLength as number });
  return stripSpecialTokens((decodeCaptions(tokens, ck.model.idxToWord) as string[])[0]).join(' ');
}

describe('a checkpoint with its own CNN', () => {
  it('captions without an encoder: a scene of the CNN size as the model samples it, a larger picture resized and cropped first', async () => {
    const ck = loadCheckpoint(bytes);
    const S = ck.encoder!.spec.imageSize;
    const scenes = makeShapesScenes(3, 5);
    const small = scenes.map((s) => renderScene(s, S));
    const large = renderScene(scenes[0], 3 * S + 5); // not a multiple: resize 97 → 32, crop nothing
    const captioner = await loadCaptioner({ model: bytes });
    expect(captioner.encoder).toBeNull();
    expect(captioner.recipe.encoder.arch).toBe('cnn');
    const got = await captioner.caption(small);
    expect(got).toEqual(small.map((im) => expected(ck, im)));
    expect(got.every((c) => c.length > 0)).toBe(true);
    const [big] = await captioner.caption(large);
    expect(big).toBe(expected(ck, resizeAndCrop(large, { resize: S, crop: S })));
    captioner.dispose();
    ck.model.dispose();
  });

  it('refuses an encoder given as well, naming it', async () => {
    const enc = await loadEncoder(seededStateDict('resnet18'), { arch: 'resnet18' });
    await expect(loadCaptioner({ model: bytes, encoder: enc })).rejects.toThrow(/options\.encoder.*carries its own CNN/);
    enc.dispose();
    await expect(loadCaptioner({ model: bytes, encoder: 42 as never })).rejects.toThrow(RecapError);
  });

  it('recap caption: no --encoder needed; --json gives the library caption; --encoder refused in one line', async () => {
    const ck = loadCheckpoint(bytes);
    const S = ck.encoder!.spec.imageSize;
    const [scene] = makeShapesScenes(1, 9);
    const im = renderScene(scene, S);
    const file = join(root, 'scene.png');
    await writeFile(file, encodePng(im.data, S, S, 4));
    const r = await run(['caption', file, '--checkpoint', join(root, 'run', 'model.recap'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ image: file, caption: expected(ck, im) });
    const bad = await run(['caption', file, '--checkpoint', join(root, 'run', 'model.recap'), '--encoder', 'x.pth']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^recap caption: --encoder: .*carries its own CNN.*x\.pth/)]);
    ck.model.dispose();
  });

  it('a feature-recipe checkpoint without an encoder is refused, in the library and in one CLI line', async () => {
    const enc = await loadEncoder(seededStateDict('resnet18'), { arch: 'resnet18' });
    const words = ['<NULL>', '<START>', '<END>', '<UNK>', 'a'];
    const model = new CaptioningRNN({ wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])), inputDim: 512, wordvecDim: 4, hiddenDim: 5, seed: 1 });
    const recipeCkpt = saveCheckpoint(model, null, { maxLength: 4 }, { recipe: { encoder: enc.recipe({ resize: 40, crop: 32 }), pca: null }, pca: null });
    model.dispose();
    enc.dispose();
    await expect(loadCaptioner({ model: recipeCkpt })).rejects.toThrow(/options\.encoder: expected the encoder its features were made with \(resnet18/);
    const file = join(root, 'recipe.recap');
    await writeFile(file, recipeCkpt);
    const im = renderScene(makeShapesScenes(1, 2)[0], 40);
    await writeFile(join(root, 'x.png'), encodePng(im.data, 40, 40, 4));
    const r = await run(['caption', join(root, 'x.png'), '--checkpoint', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^recap caption: --encoder: expected the resnet18 weights .*, got none/)]);
  });
});
