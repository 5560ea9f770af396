// Photos end to end through the CLI: prepro --images (PNG and JPEG, a Karpathy-style JSON),
// train, eval --json, caption --json; a caption equals the model's sampling of the same image's
// prepared features; checkpoints refuse an encoder of another architecture or other weights.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor, decodeCaptions, init, stripSpecialTokens, writeSafetensors } from '../../src/index.js';
import { loadCheckpointFile, readRecapDataFile } from '../../src/node.js';
import { encodePng } from '../../src/cli/report.js';
import { seededStateDict } from './seeded.js';
import { runCli } from '../cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'recap-photos-'));
const path = (...p: string[]) => join(dir, ...p);

const run = async (argv: string[]) => { const r = await runCli(argv); return { code: r.code, out: r.stdout, err: r.stderr }; };

const COLOURS: Record<string, [number, number, number]> = { red: [220, 30, 30], blue: [30, 40, 220], green: [30, 200, 50] };

beforeAll(async () => {
  await init();
  mkdirSync(path('photos', 'set'), { recursive: true });
  const images: unknown[] = [];
  const names = Object.keys(COLOURS);
  for (let i = 0; i < 15; i++) {
    const colour = names[i % 3];
    const [r, g, b] = COLOURS[colour];
    const w = 30 + (i % 4) * 7, h = 28 + (i % 5) * 5;
    const px = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) {
      const shade = ((p * 37 + i * 11) % 41) - 20;
      px.set([r + shade, g + shade, b + shade].map((v) => Math.max(0, Math.min(255, v))), p * 3);
    }
    writeFileSync(path('photos', 'set', `img${i}.png`), encodePng(px, w, h, 3));
    images.push({ filepath: 'set', filename: `img${i}.png`, imgid: i, split: i < 11 ? 'train' : i < 13 ? 'val' : 'test',
      sentences: [{ tokens: ['a', colour, 'picture'], raw: `A ${colour} picture.` }, { tokens: ['a', colour, 'image'], raw: `A ${colour} image.` }] });
  }
  copyFileSync(new URL('../fixtures/images/photo420.jpg', import.meta.url), path('photos', 'set', 'photo.jpg'));
  images.push({ filepath: 'set', filename: 'photo.jpg', imgid: 15, split: 'train', sentences: [{ tokens: ['a', 'photo'], raw: 'A photo.' }] });
  writeFileSync(path('dataset.json'), JSON.stringify({ dataset: 'tiny', images }));
  const sd = seededStateDict('resnet18');
  writeFileSync(path('resnet18.safetensors'), writeSafetensors(sd));
  (sd['conv1.weight'].data as Float32Array)[5] += 1e-3;
  writeFileSync(path('resnet18-other.safetensors'), writeSafetensors(sd));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('photos through the CLI', () => {
  it('prepro --images, train, eval --json, caption --json; refusals', async () => {
    const enc = ['--encoder', path('resnet18.safetensors'), '--arch', 'resnet18', '--resize', '40', '--crop', '32'];
    const pre = await run(['prepro', '--captions', path('dataset.json'), '--images', path('photos'), ...enc, '--pca', '6', '--word-count-threshold', '0', '--out', path('data.recapdata')]);
    expect(pre.err + pre.out).toContain('wrote');
    expect(pre.code).toBe(0);
    expect(pre.err).toContain('resnet18 pooled, resize 40, crop 32');
    expect(existsSync(path('data.recapdata.cache'))).toBe(false);
    const prepared = await readRecapDataFile(path('data.recapdata'));
    expect((prepared.info.recipe as { encoder: { arch: string } }).encoder.arch).toBe('resnet18');
    expect(prepared.data.trainFeatures.shape).toEqual([12, 6]);

    const train = await run(['train', '--data', `prepared:${path('data.recapdata')}`, '--epochs', '3', '--batch', '5', '--hidden', '16', '--wordvec', '8', '--eval-every', '0', '--out', path('run')]);
    expect(train.code, train.err).toBe(0);
    const ckpt = await loadCheckpointFile(path('run', 'model.recap'));
    expect(ckpt.features?.recipe.encoder.arch).toBe('resnet18');
    expect(ckpt.features?.pca?.components.shape).toEqual([512, 6]);

    const ev = await run(['eval', '--checkpoint', path('run', 'model.recap'), '--data', `prepared:${path('data.recapdata')}`, '--split', 'test', '--json']);
    expect(ev.code, ev.err).toBe(0);
    expect(JSON.parse(ev.out).split).toBe('test');

    const cap = await run(['caption', path('photos', 'set', 'img13.png'), path('photos', 'set', 'photo.jpg'), '--checkpoint', path('run', 'model.recap'), '--encoder', path('resnet18.safetensors'), '--json']);
    expect(cap.code, cap.err).toBe(0);
    const lines = cap.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.image)).toEqual([path('photos', 'set', 'img13.png'), path('photos', 'set', 'photo.jpg')]);
    // img13 is the first test image: its caption is the model's greedy caption of its prepared features
    const feats = prepared.data.testFeatures!;
    const D = feats.shape[1];
    const row = new (feats.data.constructor as Float32ArrayConstructor)(feats.data.subarray(0, D));
    const tokens = ckpt.model.sample(new Tensor(row, [1, D]), { maxLength: prepared.data.trainCaptions.shape[1] - 1 });
    const want = stripSpecialTokens((decodeCaptions(tokens, ckpt.model.idxToWord) as string[])[0]).join(' ');
    expect(want).not.toBe('');
    expect(lines[0].caption).toBe(want);

    const beam = await run(['caption', path('photos', 'set'), '--checkpoint', path('run', 'model.recap'), '--encoder', path('resnet18.safetensors'), '--beam', '3', '--block-ngrams', '2', '--length-penalty', '0.6', '--max-length', '8']);
    expect(beam.code, beam.err).toBe(0);
    expect(beam.out.trim().split('\n')).toHaveLength(16);

    const other = await run(['caption', path('photos', 'set', 'img0.png'), '--checkpoint', path('run', 'model.recap'), '--encoder', path('resnet18-other.safetensors')]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/same architecture, other weights/);
    expect(other.err.trim().split('\n')).toHaveLength(1);

    writeFileSync(path('mobilenet.safetensors'), writeSafetensors(seededStateDict('mobilenet_v2')));
    const arch = await run(['caption', path('photos', 'set', 'img0.png'), '--checkpoint', path('run', 'model.recap'), '--encoder', path('mobilenet.safetensors')]);
    expect(arch.code).toBe(1);
    expect(arch.err).toMatch(/resnet18/);
    expect(arch.err).toMatch(/missing/);

    const badArgs = await run(['caption', '--checkpoint', path('run', 'model.recap'), '--encoder', path('resnet18.safetensors')]);
    expect(badArgs.code).toBe(2);
    expect(badArgs.err).toMatch(/missing images/);
    ckpt.model.dispose();
  }, 240_000);

  it('features: one array with its ids, a resumable folder, bad images named or skipped', async () => {
    const enc = ['--encoder', path('resnet18.safetensors'), '--arch', 'resnet18', '--resize', '40', '--crop', '32'];
    const one = await run(['features', '--images', path('photos', 'set'), ...enc, '--out', path('feats.npy')]);
    expect(one.code, one.err).toBe(0);
    expect(readFileSync(path('feats.npy.ids.txt'), 'utf8').trim().split('\n')).toHaveLength(16);
    const folder = await run(['features', '--images', path('photos', 'set'), ...enc, '--out', `${path('feats')}/`]);
    expect(folder.code, folder.err).toBe(0);
    const again = await run(['features', '--images', path('photos', 'set'), ...enc, '--out', `${path('feats')}/`]);
    expect(again.out).toContain('16 already there');
    const otherOpts = await run(['features', '--images', path('photos', 'set'), ...enc.slice(0, 4), '--resize', '48', '--crop', '32', '--out', `${path('feats')}/`]);
    expect(otherOpts.code).toBe(1);
    expect(otherOpts.err).toMatch(/encoder resize 40 vs 48/);
    writeFileSync(path('photos', 'set', 'broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const bad = await run(['features', '--images', path('photos', 'set'), ...enc, '--out', path('feats2.npy')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('broken.png');
    const skip = await run(['features', '--images', path('photos', 'set'), ...enc, '--skip-bad', '--out', path('feats3.npy')]);
    expect(skip.code, skip.err).toBe(0);
    expect(skip.err).toMatch(/skipped .*broken\.png/);
    expect(skip.out).toContain('1 bad images left out');
    rmSync(path('photos', 'set', 'broken.png'));
  }, 240_000);
});
