// Fuzz: decodeCaptions, sampleCocoMinibatch and loadCocoData (random options, and fixture
// directories whose files are truncated, bit-flipped or replaced). Each works or throws
// RecapError / FormatError.
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, LegacyRandom, RecapError, Tensor, decodeCaptions, init, sampleCocoMinibatch, tensor, type CaptionData } from '../../src/index.js';
import { loadCocoData } from '../../src/node.js';
import { writeCocoFixture } from '../support/coco-fixture.js';
import { PROTO_NAMES, attempt, attemptAsync, check, checkAsync, idsTensor, notATensor, randTensor } from './fuzz.js';

beforeAll(() => init());

const WORDS = ['<NULL>', '<START>', '<END>', 'a', 'cat'];

describe('fuzz: decodeCaptions', () => {
  const id = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 5, 1.5, NaN, Infinity, 2 ** 31 - 1) });
  const tokens = fc.oneof(
    fc.array(id, { maxLength: 10 }),
    fc.array(id, { maxLength: 10 }).map((a) => Int32Array.from(a)),
    fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 }), fc.nat(), fc.nat({ max: 3 })).map(([, seed, rank]) => {
      const shape = [[], [3], [2, 3], [2, 1, 3]][rank];
      return idsTensor(shape, 6, seed);
    }),
    fc.constantFrom<unknown>(tensor([0.5, 1], [2], 'float32'), tensor([], [0, 3], 'int32'), new Float64Array(2), 'abc', null, undefined, 3, {}),
  );
  const vocab = fc.oneof({ weight: 6, arbitrary: fc.constant(WORDS) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>([], ['<NULL>'], [1, 2, 3, 4, 5, 6], null, 'words', { 0: 'a', length: 1 }, new Array(6)) });
  it('a string (1-D) or strings (2-D), or RecapError', () => {
    check('decodeCaptions', fc.tuple(tokens, vocab), ([t, v]) => {
      const r = attempt(() => decodeCaptions(t as never, v as never));
      if (!r.ok) return;
      if (typeof r.value === 'string') return;
      expect(Array.isArray(r.value)).toBe(true);
      for (const s of r.value) expect(typeof s).toBe('string');
    }, 5);
  });
});

function captionData(seed: number): CaptionData {
  return {
    trainCaptions: idsTensor([6, 5], 5, seed), trainImageIdxs: idsTensor([6], 3, seed + 1), trainFeatures: randTensor([3, 4], 'float32', seed + 2),
    valCaptions: idsTensor([4, 5], 5, seed + 3), valImageIdxs: idsTensor([4], 2, seed + 4), valFeatures: randTensor([2, 4], 'float64', seed + 5),
    idxToWord: WORDS, wordToIdx: Object.fromEntries(WORDS.map((w, i) => [w, i])), trainUrls: ['u0', 'u1', 'u2'],
  };
}

describe('fuzz: sampleCocoMinibatch', () => {
  it('a (B, T) / (B, D) minibatch, or RecapError', () => {
    const badInt = fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, '3', null, 2 ** 31, 1e12, 2 ** 53);
    check('sampleCocoMinibatch', fc.tuple(fc.nat(),
      fc.record({
        batchSize: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: badInt }),
        split: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('train', 'val') }, { weight: 1, arbitrary: fc.constantFrom('test', '', ...PROTO_NAMES) }),
        seed: fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: badInt }),
        rng: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(new LegacyRandom(1), {}, 'rng') }),
      }, { requiredKeys: [] }),
      fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.record({ key: fc.constantFrom('trainCaptions', 'trainImageIdxs', 'trainFeatures', 'valCaptions', 'valImageIdxs'), value: notATensor }) },
        { weight: 1, arbitrary: fc.record({ key: fc.constant('trainImageIdxs'), value: fc.constantFrom<unknown>(tensor([0, 1, 2, 9, 0, 1], [6], 'int32'), tensor([-1, 0, 0, 0, 0, 0], [6], 'int32')) }) }),
      fc.constantFrom<unknown>(undefined, undefined, undefined, null, 5)),
    ([seed, opts, dmut, whole]) => {
      let d: unknown = captionData(seed);
      if (dmut) d = { ...(d as CaptionData), [dmut.key]: dmut.value };
      if (whole !== undefined) d = whole;
      const r = attempt(() => sampleCocoMinibatch(d as CaptionData, opts as never));
      if (!r.ok) return;
      const B = (opts as { batchSize?: number }).batchSize ?? 100;
      expect(r.value.captions).toBeInstanceOf(Tensor);
      expect(r.value.captions.shape).toEqual([B, 5]);
      expect(r.value.features.shape).toEqual([B, 4]);
    }, 5);
  });

  it('regressions: batchSize 1e12 and options null (RangeError / TypeError before)', () => {
    expect(() => sampleCocoMinibatch(captionData(1), { batchSize: 1e12 })).toThrow(/options\.batchSize: expected a working set under .* GiB needed/);
    expect(sampleCocoMinibatch(captionData(1), null as never).captions.shape).toEqual([100, 5]);
  });
});

describe('fuzz: loadCocoData', () => {
  let root: string;
  let good: string;
  let files: string[];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'recap-fuzz-coco-'));
    good = join(root, 'good');
    await writeCocoFixture(good, { numTrainImages: 4, numValImages: 2, captionsPerImage: 2, featureDim: 6, seed: 1, pcaOnly: false });
    files = (await readdir(good)).sort();
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('random options on a good directory: data, or RecapError', async () => {
    const badInt = fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, '3', true, 2 ** 31, 1e12, 2 ** 53);
    await checkAsync('loadCocoData options', fc.record({
      maxTrain: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 2, arbitrary: badInt }),
      pcaFeatures: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(true, false, undefined) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 'yes', null) }),
      seed: fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: badInt }),
    }, { requiredKeys: [] }), async (opts) => {
      const r = await attemptAsync(() => loadCocoData(good, opts as never), [RecapError, FormatError]);
      if (!r.ok) return;
      const d = r.value;
      if (typeof opts.maxTrain === 'number') expect(d.trainCaptions.shape[0]).toBe(opts.maxTrain);
      expect(d.trainFeatures.shape[1]).toBe(opts.pcaFeatures === false ? d.trainFeatures.shape[1] : 6);
    }, 0.5);
  });

  it('damaged files: data, or FormatError naming the file', async () => {
    let n = 0;
    await checkAsync('loadCocoData damaged files', fc.tuple(fc.nat(), fc.constantFrom('truncate', 'flip', 'empty', 'replace', 'delete'), fc.nat(), fc.nat({ max: 7 }), fc.boolean()),
      async ([fi, how, pos, bit, pca]) => {
        const dir = join(root, `case${n++}`);
        await rm(dir, { recursive: true, force: true });
        await import('node:fs/promises').then((fs) => fs.mkdir(dir));
        for (const f of files) await copyFile(join(good, f), join(dir, f));
        const victim = files[fi % files.length];
        const p = join(dir, victim);
        const bytes = await readFile(p);
        if (how === 'truncate') await writeFile(p, bytes.subarray(0, pos % Math.max(1, bytes.length)));
        else if (how === 'flip') { const b = Uint8Array.from(bytes); b[pos % b.length] ^= 1 << bit; await writeFile(p, b); }
        else if (how === 'empty') await writeFile(p, '');
        else if (how === 'replace') await writeFile(p, victim.endsWith('.json') ? '{"idx_to_word": 3}' : 'not hdf5 at all');
        else await rm(p);
        const r = await attemptAsync(() => loadCocoData(dir, { pcaFeatures: pca }), [FormatError, RecapError]);
        if (!r.ok && r.error instanceof FormatError) expect(r.error.file.startsWith(dir)).toBe(true);
        await rm(dir, { recursive: true, force: true });
      }, 0.5);
  });

  it('regression: maxTrain far beyond memory is refused with RecapError (it used to throw RangeError)', async () => {
    await expect(loadCocoData(good, { maxTrain: 1e12 })).rejects.toThrow(RecapError);
    await expect(loadCocoData(good, { maxTrain: 2 ** 53 })).rejects.toThrow(RecapError);
  });
});
