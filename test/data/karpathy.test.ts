// Karpathy-split JSON → vocabulary and encoded captions, checked against prepro_labels.py's
// rules computed here independently (word counts by hand, kept when count > threshold).
import { describe, expect, it } from 'vitest';
import { FormatError, RecapError, tensor } from '../../src/index.js';
import { parseKarpathy, prepareCaptions, tokenize, toCaptionData } from '../../src/data/karpathy.js';
import { makeKarpathyFixture } from '../support/karpathy-fixture.js';

const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'; // Python string.punctuation

/** The tokens prepro_labels.py sees for a sentence (tokens, else neuraltalk2's raw rule), written out separately. */
function refTokens(s: Record<string, unknown>): string[] {
  if (Array.isArray(s.tokens)) return s.tokens as string[];
  const lower = (s.raw as string).toLowerCase();
  let kept = '';
  for (const c of lower) if (!PUNCT.includes(c)) kept += c;
  return kept.trim().split(/\s+/);
}

const text = (o: unknown) => JSON.stringify(o);

describe('tokenize', () => {
  it('lowercases, deletes string.punctuation, splits on whitespace', () => {
    expect(tokenize("A Dog's frisbee-catch, on the  BEACH .")).toEqual(['a', 'dogs', 'frisbeecatch', 'on', 'the', 'beach']);
    expect(tokenize('  ... ')).toEqual([]);
  });
});

describe('prepareCaptions on the Flickr8k-like fixture', () => {
  const fx = makeKarpathyFixture();
  const ds = parseKarpathy(text(fx.json), 'dataset_flickr8k.json');
  type Img = { split: string; imgid: number; sentences: Array<Record<string, unknown>> };
  const imgs = fx.json.images as unknown as Img[];

  for (const threshold of [0, 1, 5, 12]) {
    it(`vocabulary and captions follow prepro_labels.py's rules (threshold ${threshold}, restval in train)`, () => {
      const p = prepareCaptions(ds, { wordCountThreshold: threshold });
      // count the training words by hand (train + restval)
      const counts = new Map<string, number>();
      const order: string[] = [];
      for (const img of imgs) {
        if (img.split !== 'train' && img.split !== 'restval') continue;
        for (const s of img.sentences) for (const w of refTokens(s)) {
          if (!counts.has(w)) order.push(w);
          counts.set(w, (counts.get(w) ?? 0) + 1);
        }
      }
      const kept = order.filter((w) => counts.get(w)! > threshold);
      const rare = order.filter((w) => counts.get(w)! <= threshold);
      expect(new Set(p.idxToWord.slice(4))).toEqual(new Set(kept));
      expect(p.idxToWord.slice(0, 4)).toEqual(['<NULL>', '<START>', '<END>', '<UNK>']);
      for (let i = 5; i < p.idxToWord.length; i++) expect(counts.get(p.idxToWord[i - 1])!).toBeGreaterThanOrEqual(counts.get(p.idxToWord[i])!);
      for (const [w, i] of Object.entries(p.wordToIdx)) expect(p.idxToWord[i]).toBe(w);
      expect(p.stats.keptWords).toBe(kept.length);
      expect(p.stats.unkTokens).toBe(rare.reduce((a, w) => a + counts.get(w)!, 0));
      if (threshold >= 5) expect(rare.length).toBeGreaterThan(0); // the fixture's rare words

      // captions: split order train (train then restval images, JSON order), each row <START> w… <END> <NULL>…
      const check = (split: 'train' | 'val' | 'test', want: Img[]) => {
        const s = p[split];
        const rows: number[][] = [];
        const idxs: number[] = [];
        let truncated = 0;
        want.forEach((img, i) => {
          for (const sent of img.sentences) {
            const toks = refTokens(sent);
            if (toks.length > 16) truncated++;
            const ids = toks.slice(0, 16).map((w) => (counts.get(w) ?? 0) > threshold ? p.idxToWord.indexOf(w) : 3);
            rows.push([1, ...ids, 2, ...Array(16 - ids.length).fill(0)]);
            idxs.push(i);
          }
        });
        expect(s.captions.shape).toEqual([rows.length, 18]);
        expect(s.captions.toArray()).toEqual(rows);
        expect(Array.from(s.imageIdxs.data)).toEqual(idxs);
        expect(s.imageIds).toEqual(want.map((m) => String(m.imgid)));
        expect(s.truncated).toBe(truncated);
      };
      check('train', [...imgs.filter((m) => m.split === 'train' || m.split === 'restval')]);
      check('val', imgs.filter((m) => m.split === 'val'));
      check('test', imgs.filter((m) => m.split === 'test'));
      expect(p.train.truncated + p.val.truncated + p.test.truncated).toBeGreaterThan(0);
    });
  }

  it('restvalInTrain: false leaves restval out of the vocabulary and the splits', () => {
    const p = prepareCaptions(ds, { restvalInTrain: false, wordCountThreshold: 0 });
    const trainIds = imgs.filter((m) => m.split === 'train').map((m) => String(m.imgid));
    expect(p.train.imageIds).toEqual(trainIds);
    expect(p.stats.restvalImages).toBe(0);
    const words = new Set(imgs.filter((m) => m.split === 'train').flatMap((m) => m.sentences.flatMap(refTokens)));
    expect(new Set(p.idxToWord.slice(4))).toEqual(words);
  });

  it('maxLength truncates and still closes each row with <END>', () => {
    const p = prepareCaptions(ds, { maxLength: 4, wordCountThreshold: 0 });
    expect(p.train.captions.shape[1]).toBe(6);
    const rows = p.train.captions.toArray() as number[][];
    for (const r of rows) expect(r[0]).toBe(1);
    expect(rows.every((r) => r.includes(2))).toBe(true);
    expect(p.train.truncated).toBe(p.train.captions.shape[0]); // every fixture caption has > 4 words
  });

  it('toCaptionData assembles the splits, with test and image ids', () => {
    const p = prepareCaptions(ds);
    const feat = (ids: string[]) => tensor(ids.flatMap((id) => Array.from(fx.features.get(id)!)), [ids.length, 12]);
    const data = toCaptionData(p, { train: feat(p.train.imageIds), val: feat(p.val.imageIds), test: feat(p.test.imageIds) });
    expect(data.testCaptions!.shape[0]).toBe(20);
    expect(data.testFeatures!.shape).toEqual([4, 12]);
    expect(data.trainImageIds).toEqual(p.train.imageIds);
    expect(() => toCaptionData(p, { train: feat(p.train.imageIds), val: feat(p.val.imageIds) })).toThrow(/features\.test/);
    expect(() => toCaptionData(p, { train: feat(p.train.imageIds), val: feat(p.train.imageIds), test: feat(p.test.imageIds) }))
      .toThrow(/features\.val: expected shape \(6, 12\)/);
  });
});

describe('dataset variants', () => {
  it('COCO records: cocoid wins over imgid, filepath joins the file name', () => {
    const sent = (t: string) => ({ tokens: t.split(' '), raw: t });
    const ds = parseKarpathy(text({ dataset: 'coco', images: [
      { filepath: 'val2014', filename: 'COCO_val2014_000000391895.jpg', imgid: 0, cocoid: 391895, split: 'restval', sentences: [sent('a man on a moped')] },
      { filepath: 'val2014', filename: 'COCO_val2014_000000522418.jpg', imgid: 1, cocoid: 522418, split: 'val', sentences: [sent('a woman cutting a cake')] },
      { filename: 'x.jpg', id: 'photo-7', split: 'test', sentences: [{ raw: 'A cat!' }] },
    ] }), 'dataset_coco.json');
    expect(ds.dataset).toBe('coco');
    expect(ds.images.map((m) => m.id)).toEqual(['391895', '522418', 'photo-7']);
    expect(ds.images[0].filename).toBe('val2014/COCO_val2014_000000391895.jpg');
    const p = prepareCaptions(ds, { wordCountThreshold: 0 });
    expect(p.train.imageIds).toEqual(['391895']); // restval joined train
    expect(p.stats.restvalImages).toBe(1);
    expect(p.test.captions.toArray()).toEqual([[1, p.wordToIdx.a, 3, 2, ...Array(14).fill(0)]]); // 'a' is a train word, 'cat' is not: <UNK>
  });
});

describe('malformed datasets: FormatError naming the file and the record', () => {
  const base = () => makeKarpathyFixture({ train: 4, val: 2, test: 1, restval: 0 }).json;
  const expectFormat = (json: string, re: RegExp) => {
    let err: unknown;
    try {
      prepareCaptions(parseKarpathy(json, 'my.json'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe('my.json');
    expect((err as Error).message).toMatch(re);
  };

  it('malformed JSON', () => expectFormat('{"images": [', /not valid JSON/));
  it('not a Karpathy JSON', () => expectFormat('[1, 2]', /expected a Karpathy-split JSON/));
  it('duplicate ids', () => {
    const j = base();
    j.images[3].imgid = 1;
    expectFormat(text(j), /images\[3\] \(id 1, .*\): duplicate image id 1 \(also images\[1\]\)/);
  });
  it('missing id', () => {
    const j = base();
    delete j.images[2].imgid;
    expectFormat(text(j), /images\[2\] .*expected an image id/);
  });
  it('bad split', () => {
    const j = base();
    j.images[1].split = 'training';
    expectFormat(text(j), /images\[1\] \(id 1.*"split" must be one of train, val, test, restval, got "training"/);
  });
  it('an image without sentences, a sentence without words', () => {
    const j = base();
    j.images[2].sentences = [];
    expectFormat(text(j), /images\[2\].*at least one sentence/);
    const k = base();
    (k.images[0].sentences as unknown[])[1] = { raw: ' ... ' };
    expectFormat(text(k), /images\[0\] .* sentences\[1\]: the caption has no words/);
  });
  it('empty splits', () => {
    const j = base();
    for (const m of j.images) if (m.split === 'val') m.split = 'test';
    expectFormat(text(j), /the val split is empty \(images per split: train 4, val 0, test 3, restval 0\)/);
    const k = base();
    for (const m of k.images) if (m.split === 'train') m.split = 'restval';
    expect(() => prepareCaptions(parseKarpathy(text(k), 'my.json'), { restvalInTrain: false })).toThrow(/the train split is empty/);
    expect(prepareCaptions(parseKarpathy(text(k), 'my.json'), { wordCountThreshold: 0 }).train.imageIds.length).toBe(4);
  });
  it('a threshold that keeps no word', () => expect(() => prepareCaptions(parseKarpathy(text(base()), 'my.json'), { wordCountThreshold: 1000 }))
    .toThrow(/word-count threshold 1000 keeps no word .* occurs \d+ times/));
  it('bad options are RecapErrors', () => {
    const ds = parseKarpathy(text(base()));
    expect(() => prepareCaptions(ds, { maxLength: 0 })).toThrow(RecapError);
    expect(() => prepareCaptions(ds, { wordCountThreshold: -1 })).toThrow(/wordCountThreshold/);
  });
});
