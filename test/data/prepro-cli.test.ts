// End to end on the Flickr8k-like fixture: recap prepro, recap train --data prepared:FILE and
// karpathy:JSON --features, recap eval; and the CLI's typed failures that write nothing.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliIO } from '../../src/cli/main.js';
import { decodeRecapData, parseKarpathy, prepareCaptions, tensor, writeNpy } from '../../src/index.js';
import { makeKarpathyFixture, writeKarpathyFixture } from '../support/karpathy-fixture.js';
import { runCli } from '../cli-run.js';

const run = (argv: string[], io: CliIO = {}) => runCli(argv, { progressInterval: 0, ...io });

const TINY = ['--hidden', '16', '--wordvec', '8', '--batch', '25', '--epochs', '2', '--threads', '1'];

describe('recap prepro + train + eval on a Flickr8k-like fixture', () => {
  const root = mkdtempSync(join(tmpdir(), 'prepro-cli-'));
  const fx = makeKarpathyFixture({ D: 12 });
  let paths: { json: string; feats: string };
  beforeAll(async () => { paths = await writeKarpathyFixture(root, fx); });

  it('prepro writes a .recapdata whose vocabulary and captions are prepareCaptions\' (prepro_labels.py rules)', async () => {
    const out = join(root, 'f8k.recapdata');
    const r = await run(['prepro', '--captions', paths.json, '--features', paths.feats, '--out', out]);
    expect(r.stderr).toMatch(/vocabulary: V=\d+ \(\d+ of \d+ training words occur more than 5 times/);
    expect(r.stderr).toMatch(/features: .*feats, D=12/);
    expect(r.stderr).toMatch(/^features: 43\/43 rows/m); // the progress lines (not a TTY)
    expect(r.stdout).toMatch(/^wrote .*f8k\.recapdata/);
    expect(r.code).toBe(0);
    const { data, info } = decodeRecapData(readFileSync(out));
    const want = prepareCaptions(parseKarpathy(JSON.stringify(fx.json)));
    expect(data.idxToWord).toEqual(want.idxToWord);
    expect(Array.from(data.trainCaptions.data)).toEqual(Array.from(want.train.captions.data));
    expect(Array.from(data.testCaptions!.data)).toEqual(Array.from(want.test.captions.data));
    expect(data.valImageIds).toEqual(want.val.imageIds);
    // row i of the val features is the .npy of val image i
    const id = data.valImageIds![2];
    expect(Array.from(data.valFeatures.data.subarray(24, 36))).toEqual(Array.from(fx.features.get(id)!));
    expect(info.createdBy).toBe('recap prepro');
  });

  it('prepro --pca 4 stores the projection and the reduced features', async () => {
    const out = join(root, 'pca.recapdata');
    const r = await run(['prepro', '--captions', paths.json, '--features', paths.feats, '--pca', '4', '--word-count-threshold', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/D=12 -> PCA 4 \(keeps \d+\.\d% of the training variance\)/);
    expect(r.stderr).toMatch(/^PCA covariance: 33\/33 rows/m);
    expect(r.stderr).toMatch(/^PCA eigenvectors: 3\/3 steps/m);
    const { data, pca } = decodeRecapData(readFileSync(out));
    expect(data.trainFeatures.shape[1]).toBe(4);
    expect(pca!.components.shape).toEqual([12, 4]);
  });

  it('train --data prepared:FILE, then eval with the data the checkpoint names', async () => {
    const out = join(root, 'run1');
    const t = await run(['train', '--data', `prepared:${join(root, 'f8k.recapdata')}`, ...TINY, '--out', out]);
    expect(t.stderr).toMatch(/data: prepared .*: 165 train captions \(33 images\), 30 val captions \(6 images\), 20 test captions/);
    expect(t.code).toBe(0);
    expect(existsSync(join(out, 'model.recap'))).toBe(true);
    const e = await run(['eval', '--checkpoint', join(out, 'model.recap'), '--json']);
    expect(e.code).toBe(0);
    const scores = JSON.parse(e.stdout); // the Evaluation issue's metrics on the fixture's val split
    expect(scores.split).toBe('val');
    expect(scores.images).toBe(6);
    expect(scores.bleu).toHaveLength(4);
    for (const v of [...scores.bleu, scores.rougeL, scores.cider]) expect(Number.isFinite(v)).toBe(true);
  });

  it('train --data karpathy:JSON --features PATH in one step', async () => {
    const t = await run(['train', '--data', `karpathy:${paths.json}`, '--features', paths.feats, ...TINY, '--out', join(root, 'run2')]);
    expect(t.stderr).toMatch(/data: Karpathy split .*V=\d+, D=12/);
    expect(t.stderr).toMatch(/^features: 43\/43 rows/m);
    const e = await run(['sample', '--checkpoint', join(root, 'run2', 'model.recap'), '--n', '2']); // the checkpoint remembers --features
    expect(e.stderr + e.stdout).not.toMatch(/needs --features/);
    expect(e.code).toBe(0);
    expect(t.code).toBe(0);
    const u = await run(['train', '--data', `karpathy:${paths.json}`, ...TINY, '--out', join(root, 'run3')]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/needs --features PATH/);
  });

  it('bad input: exit 1 naming the file and record, and no output file', async () => {
    const bad = join(root, 'bad');
    const p = await writeKarpathyFixture(bad, fx);
    writeFileSync(join(p.feats, '5.npy'), writeNpy(tensor([...Array(11).fill(0), NaN], [12], 'float32')));
    const out = join(bad, 'x.recapdata');
    const r = await run(['prepro', '--captions', p.json, '--features', p.feats, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/5\.npy: image 5: element 11 is NaN/);
    expect(existsSync(out)).toBe(false);
    writeFileSync(p.json, '{"images": [');
    const m = await run(['prepro', '--captions', p.json, '--features', p.feats, '--out', out]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/dataset_flickr8k\.json: not valid JSON/);
    expect(existsSync(out)).toBe(false);
    expect((await run(['prepro', '--captions', p.json, '--out', out])).stderr).toMatch(/missing --features PATH/);
  });

  it('--help has the Flickr8k example', async () => {
    const h = await run(['prepro', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/recap prepro --captions data\/dataset_flickr8k\.json --features/);
    expect(h.stdout).toMatch(/--word-count-threshold N/);
  });
});
