// A small Flickr8k-like Karpathy-split dataset, generated deterministically for tests: the JSON
// (as dataset_flickr8k.json: images[] with filename, imgid, split, sentences[] of tokens + raw)
// and per-image feature rows. Some sentences carry only `raw` (punctuation, capitals) so the
// tokeniser runs; some are longer than 16 words so truncation runs.

/** A tiny deterministic generator (LCG), independent of recap's RNG. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SUBJECTS = ['a dog', 'two dogs', 'a man', 'a woman', 'a child', 'a black dog', 'a girl', 'the boy'];
const VERBS = ['runs', 'jumps', 'plays', 'sits', 'walks', 'is running', 'stands'];
const PLACES = ['on the grass', 'in the water', 'on a beach', 'near a tree', 'in the snow', 'on the street', 'by a red wall'];
const RARE = ['frisbee', 'skateboard', 'kayak', 'umbrella', 'zebra', 'trampoline'];

export interface FixtureOptions {
  train?: number;
  val?: number;
  test?: number;
  restval?: number;
  seed?: number;
  /** Feature width. */
  D?: number;
}

export interface KarpathyFixture {
  json: { dataset: string; images: Array<Record<string, unknown>> };
  /** Feature row of each image id (float32 values), deterministic. */
  features: Map<string, Float32Array>;
}

/** Builds the fixture: images in split order train, val, test, restval (ids 0..N-1). */
export function makeKarpathyFixture(o: FixtureOptions = {}): KarpathyFixture {
  const { train = 30, val = 6, test = 4, restval = 3, seed = 1, D = 12 } = o;
  const rand = lcg(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const splits = [...Array(train).fill('train'), ...Array(val).fill('val'), ...Array(test).fill('test'), ...Array(restval).fill('restval')];
  const images: Array<Record<string, unknown>> = [];
  const features = new Map<string, Float32Array>();
  splits.forEach((split, imgid) => {
    const sentences = [];
    for (let j = 0; j < 5; j++) {
      let words = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(PLACES)}`.split(' ');
      if (rand() < 0.15) words.push('with', 'a', pick(RARE));
      if (rand() < 0.1) words = [...words, 'and', ...`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(PLACES)} ${pick(PLACES)}`.split(' ')]; // often > 16 words
      const raw = `${words[0][0].toUpperCase()}${words.join(' ').slice(1)}${rand() < 0.5 ? ' .' : '.'}`;
      const sentid = imgid * 5 + j;
      // every 4th sentence has only raw text (as some hand-made datasets): the tokeniser's input
      sentences.push(sentid % 4 === 3 ? { raw: raw.replace(' a ', ", a '") , imgid, sentid } : { tokens: words, raw, imgid, sentid });
    }
    images.push({ filepath: '', filename: `${1000000 + imgid * 7919}_${(imgid * 2654435761 >>> 0).toString(16)}.jpg`, imgid, split, sentids: sentences.map((s) => s.sentid), sentences });
    const f = new Float32Array(D);
    for (let d = 0; d < D; d++) f[d] = Math.fround(rand() * 2 - 1 + (d === imgid % D ? 1 : 0));
    features.set(String(imgid), f);
  });
  return { json: { dataset: 'flickr8k', images }, features };
}

/**
 * Writes the fixture into `dir`: `dataset_flickr8k.json` and the features as a folder `feats/`
 * of `{imgid}.npy` (D,) float32 files (as ImageCaptioning.pytorch's prepro_feats.py writes them).
 * Returns the two paths.
 */
export async function writeKarpathyFixture(dir: string, fx: KarpathyFixture): Promise<{ json: string; feats: string }> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { writeNpy, tensor } = await import('../../src/index.js');
  const json = join(dir, 'dataset_flickr8k.json');
  const feats = join(dir, 'feats');
  await mkdir(feats, { recursive: true });
  await writeFile(json, JSON.stringify(fx.json));
  for (const [id, f] of fx.features) await writeFile(join(feats, `${id}.npy`), writeNpy(tensor(f, [f.length], 'float32')));
  return { json, feats };
}
