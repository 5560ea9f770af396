import { describe, expect, it } from 'vitest';
import {
  CAPTION_LENGTH, COLOURS, MAX_CAPTION_WORDS, SHAPES, SHAPES_VOCAB, SIZES, captionScene, describesSingleObject,
  encodeCaption, makeShapesScenes, relation, renderScene, shapesData, shapesVocab, singleObjectLabel,
  type Scene, type SceneObject,
} from '../src/data/shapes.js';
import { extractFeatures, FEATURE_DIM } from '../src/data/features.js';
import { decodeCaptions } from '../src/data/captions.js';
import { RecapError } from '../src/core/errors.js';
import { LegacyRandom } from '../src/core/rng.js';

describe('vocabulary and encodeCaption', () => {
  it('has the special tokens first and a consistent inverse', () => {
    const { idxToWord, wordToIdx } = shapesVocab();
    expect(idxToWord.slice(0, 4)).toEqual(['<NULL>', '<START>', '<END>', '<UNK>']);
    expect(idxToWord).toHaveLength(45);
    expect(new Set(idxToWord).size).toBe(idxToWord.length);
    idxToWord.forEach((w, i) => expect(wordToIdx[w]).toBe(i));
    for (const w of [...SHAPES, ...COLOURS, ...SIZES]) expect(wordToIdx[w]).toBeGreaterThan(3);
  });

  it('encodes <START> words <END> <NULL>… and maps unknown words to <UNK>', () => {
    const { wordToIdx } = shapesVocab();
    const row = encodeCaption(['a', 'red', 'zebra'], wordToIdx);
    expect(row).toHaveLength(17);
    expect(Array.from(row.slice(0, 6))).toEqual([1, wordToIdx.a, wordToIdx.red, 3, 2, 0]);
    expect(Array.from(encodeCaption([], wordToIdx, 3))).toEqual([1, 2, 0]);
    expect(() => encodeCaption(Array(16).fill('a'), wordToIdx)).toThrow(/at most 15 words/);
    expect(() => encodeCaption(['a'], { a: 4 })).toThrow(RecapError);
  });
});

function dist(a: SceneObject, b: SceneObject): number {
  return Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);
}

describe('makeShapesScenes', () => {
  const scenes = makeShapesScenes(2000, 5);

  it('is deterministic in the seed', () => {
    expect(makeShapesScenes(50, 5)).toEqual(scenes.slice(0, 50));
    expect(makeShapesScenes(50, 6)).not.toEqual(scenes.slice(0, 50));
  });

  it('makes 1–3 non-overlapping objects of distinct colours inside the image', () => {
    const counts = [0, 0, 0, 0];
    for (const s of scenes) {
      const k = s.objects.length;
      counts[k]++;
      expect(new Set(s.objects.map((o) => o.colour)).size).toBe(k);
      expect(s.background).toBeGreaterThanOrEqual(225);
      expect(s.background).toBeLessThanOrEqual(250);
      for (const o of s.objects) {
        expect(o.x - o.r).toBeGreaterThan(0);
        expect(o.x + o.r).toBeLessThan(1);
        expect(o.y - o.r).toBeGreaterThan(0);
        expect(o.y + o.r).toBeLessThan(1);
        const [lo, hi] = o.size === 'small' ? [0.1, 0.13] : [0.18, 0.21];
        expect(o.r).toBeGreaterThanOrEqual(lo);
        expect(o.r).toBeLessThanOrEqual(hi);
      }
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) {
        expect(dist(s.objects[i], s.objects[j])).toBeGreaterThanOrEqual((s.objects[i].r + s.objects[j].r) * 1.15 + 0.02);
      }
    }
    expect(counts[0]).toBe(0);
    // ≈ 40% / 35% / 25%
    expect(counts[1] / 2000).toBeGreaterThan(0.35);
    expect(counts[2] / 2000).toBeGreaterThan(0.3);
    expect(counts[3] / 2000).toBeGreaterThan(0.2);
  });

  it('uses every shape, colour and size', () => {
    const objects = scenes.flatMap((s) => s.objects);
    expect(new Set(objects.map((o) => o.shape))).toEqual(new Set(SHAPES));
    expect(new Set(objects.map((o) => o.colour))).toEqual(new Set(COLOURS));
    expect(new Set(objects.map((o) => o.size))).toEqual(new Set(SIZES));
    expect(objects.filter((o) => o.size === 'big').length / objects.length).toBeGreaterThan(0.35);
  });

  it('rejects bad arguments', () => {
    expect(() => makeShapesScenes(-1)).toThrow(/count/);
    expect(() => makeShapesScenes(1, 1.5)).toThrow(/seed/);
  });
});

// Brute-force reference rasteriser: 16 point tests per pixel, no fast path.
function insideRef(o: SceneObject, dx: number, dy: number, r: number): boolean {
  const ax = Math.abs(dx), ay = Math.abs(dy);
  switch (o.shape) {
    case 'circle': return dx * dx + dy * dy <= r * r;
    case 'square': return ax <= 0.85 * r && ay <= 0.85 * r;
    case 'triangle': return dy <= 0.8 * r && dy >= -1.1 * r && ax * 1.9 <= (dy + 1.1 * r) * 1.1;
    case 'diamond': return ax + ay <= 1.15 * r;
    case 'cross': return (ax <= 0.34 * r && ay <= r) || (ay <= 0.34 * r && ax <= r);
  }
}

function renderRef(scene: Scene, size: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < out.length; p += 4) out.set([scene.background, scene.background, scene.background, 255], p);
  for (const o of scene.objects) {
    for (let py = 0; py < size; py++) for (let px = 0; px < size; px++) {
      let n = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
        if (insideRef(o, px + (sx + 0.5) / 4 - o.x * size, py + (sy + 0.5) / 4 - o.y * size, o.r * size)) n++;
      }
      if (n === 0) continue;
      const p = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) out[p + c] = (out[p + c] * (16 - n) + o.rgb[c] * n) / 16;
    }
  }
  return out;
}

describe('renderScene', () => {
  const scenes = makeShapesScenes(60, 9);

  it('matches a brute-force 16-sample rasteriser byte for byte', () => {
    for (const s of scenes) {
      for (const size of [32, 45]) expect(renderScene(s, size).data).toEqual(renderRef(s, size));
    }
  });

  it('draws RGBA with the object colour at its centre and background in empty corners', () => {
    const scene: Scene = {
      background: 240,
      objects: [{ shape: 'square', colour: 'red', size: 'big', x: 0.5, y: 0.5, r: 0.2, rgb: [220, 40, 40] }],
    };
    const img = renderScene(scene, 32);
    expect(img.width).toBe(32);
    expect(img.channels).toBe(4);
    expect(img.data).toHaveLength(32 * 32 * 4);
    const at = (x: number, y: number) => Array.from(img.data.slice((y * 32 + x) * 4, (y * 32 + x) * 4 + 4));
    expect(at(16, 16)).toEqual([220, 40, 40, 255]);
    expect(at(0, 0)).toEqual([240, 240, 240, 255]);
    // square half-side 0.85·6.4 = 5.44 px around 16: pixel 21 (21..22) is 0.44 covered → blended
    const edge = at(21, 16);
    expect(edge[0]).toBeGreaterThan(220);
    expect(edge[1]).toBeGreaterThan(40);
    expect(edge[1]).toBeLessThan(240);
    expect(() => renderScene(scene, 2)).toThrow(/size/);
    expect(() => renderScene({ background: 0, objects: [{ ...scene.objects[0], shape: 'hexagon' as 'circle' }] })).toThrow(/shape/);
  });
});

// Checks that a caption is true of its scene: every noun phrase names an object of the scene with
// the right colour, shape and size; relations and counts hold.
function checkCaption(words: string[], scene: Scene): void {
  const objs = scene.objects;
  const colourSet = new Set<string>(COLOURS);
  const shapeSet = new Set<string>(SHAPES);
  const sizeOf: Record<string, string> = { small: 'small', little: 'small', big: 'big', large: 'big' };
  const mentioned: SceneObject[] = [];
  for (let i = 0; i < words.length; i++) {
    if (colourSet.has(words[i])) {
      const o = objs.find((q) => q.colour === words[i]);
      expect(o, `${words.join(' ')}: colour ${words[i]}`).toBeDefined();
      // "colour shape" or "size shape that is colour"
      if (shapeSet.has(words[i + 1])) {
        expect(words[i + 1]).toBe(o!.shape);
        if (sizeOf[words[i - 1]]) expect(sizeOf[words[i - 1]]).toBe(o!.size);
      } else {
        expect(words.slice(i - 2, i)).toEqual(['that', 'is']);
        expect(words[i - 3]).toBe(o!.shape);
        expect(sizeOf[words[i - 4]]).toBe(o!.size);
      }
      mentioned.push(o!);
    }
  }
  expect(mentioned.length).toBeGreaterThan(0);
  expect(words.filter((w) => shapeSet.has(w)).length).toBe(mentioned.length);
  if (words.includes('two')) expect(objs).toHaveLength(2);
  if (words.includes('three')) expect(objs).toHaveLength(3);
  if (words.includes('one')) expect(objs).toHaveLength(1);
  // relations: "X left of Y", "X to the right of Y", "X above Y", …
  const relIdx = words.findIndex((w) => w === 'left' || w === 'right' || w === 'above' || w === 'below');
  const isRelation = relIdx >= 0 && (words[relIdx - 1] !== 'the' || words[relIdx - 2] === 'to');
  if (isRelation) {
    // the relation links the first two objects named
    expect(mentioned.length).toBeGreaterThanOrEqual(2);
    expect(relation(mentioned[0], mentioned[1])).toBe(words[relIdx]);
  } else if (relIdx >= 0) {
    // single-object position: "on the left", "at the top", …
    expect(objs).toHaveLength(1);
    const o = objs[0];
    const truth = { left: o.x < 0.35, right: o.x > 0.65, top: o.y < 0.35, bottom: o.y > 0.65 } as Record<string, boolean>;
    expect(truth[words[relIdx]]).toBe(true);
  }
  for (const pos of ['top', 'bottom']) {
    const i = words.indexOf(pos);
    if (i >= 0) {
      const o = objs[0];
      expect(objs).toHaveLength(1);
      expect(pos === 'top' ? o.y < 0.35 : o.y > 0.65).toBe(true);
    }
  }
}

describe('captionScene', () => {
  const scenes = makeShapesScenes(1500, 12);
  const rng = new LegacyRandom(3);
  const all = scenes.map((s) => captionScene(s, 5, rng));

  it('gives 5 distinct true captions of at most 15 words per scene', () => {
    const { wordToIdx } = shapesVocab();
    scenes.forEach((s, i) => {
      const caps = all[i];
      expect(caps).toHaveLength(5);
      expect(new Set(caps.map((c) => c.join(' '))).size).toBe(5);
      for (const c of caps) {
        expect(c.length).toBeLessThanOrEqual(MAX_CAPTION_WORDS);
        for (const w of c) expect(wordToIdx[w], w).toBeGreaterThan(3);
        checkCaption(c, s);
      }
    });
  });

  it('uses every vocabulary word and spatial relations', () => {
    const used = new Set(all.flat(2));
    for (const w of SHAPES_VOCAB.slice(4)) expect(used.has(w), w).toBe(true);
    expect(all.flat().filter((c) => c.includes('above') || c.includes('below')).length).toBeGreaterThan(100);
  });

  it('uses a relation only when one axis clearly dominates', () => {
    const o = (x: number, y: number): SceneObject => ({ shape: 'circle', colour: 'red', size: 'small', x, y, r: 0.1, rgb: [0, 0, 0] });
    expect(relation(o(0.2, 0.5), o(0.8, 0.6))).toBe('left');
    expect(relation(o(0.8, 0.5), o(0.2, 0.4))).toBe('right');
    expect(relation(o(0.5, 0.2), o(0.55, 0.8))).toBe('above');
    expect(relation(o(0.5, 0.8), o(0.45, 0.2))).toBe('below');
    expect(relation(o(0.2, 0.2), o(0.7, 0.7))).toBeNull();
  });
});

describe('single-object labels', () => {
  const scene: Scene = { background: 240, objects: [{ shape: 'triangle', colour: 'blue', size: 'small', x: 0.5, y: 0.5, r: 0.1, rgb: [40, 80, 220] }] };
  it('names colour and shape and scores captions', () => {
    expect(singleObjectLabel(scene)).toEqual({ colour: 'blue', shape: 'triangle', size: 'small', label: 'blue triangle' });
    expect(describesSingleObject('<START> a small blue triangle <END>', scene)).toBe(true);
    expect(describesSingleObject(['a', 'little', 'triangle', 'that', 'is', 'blue'], scene)).toBe(true);
    expect(describesSingleObject('<START> a blue square <END>', scene)).toBe(false);
    expect(describesSingleObject('<START> a red triangle <END>', scene)).toBe(false);
    expect(describesSingleObject('<START> a blue triangle and a red circle <END>', scene)).toBe(false);
    expect(describesSingleObject('<START> a triangle <END>', scene)).toBe(false);
    const two = makeShapesScenes(20, 1).find((s) => s.objects.length === 2)!;
    expect(singleObjectLabel(two)).toBeNull();
    expect(describesSingleObject('a red circle', two)).toBe(false);
  });
});

describe('shapesData', () => {
  it('builds the default dataset in the CaptionData layout', () => {
    const t0 = performance.now();
    const data = shapesData();
    const ms = performance.now() - t0;
    console.log(`shapesData(): 4500 images + features + captions in ${ms.toFixed(0)} ms`); // a figure, not a test (noisy machines)
    expect(data.trainCaptions.shape).toEqual([20000, CAPTION_LENGTH]);
    expect(data.trainCaptions.dtype).toBe('int32');
    expect(data.trainImageIdxs.shape).toEqual([20000]);
    expect(data.trainFeatures.shape).toEqual([4000, FEATURE_DIM]);
    expect(data.trainFeatures.dtype).toBe('float32');
    expect(data.valCaptions.shape).toEqual([2500, CAPTION_LENGTH]);
    expect(data.valFeatures.shape).toEqual([500, FEATURE_DIM]);
    expect(data.trainImages).toHaveLength(4000);
    expect(data.valScenes).toHaveLength(500);
    expect(data.imageSize).toBe(32);
    expect(data.idxToWord).toEqual([...SHAPES_VOCAB]);
    // rows: <START> w… <END> <NULL>…, image idx = ⌊row / 5⌋
    const caps = data.trainCaptions.data;
    for (let r = 0; r < 20000; r += 97) {
      expect(caps[r * 17]).toBe(1);
      const row = Array.from(caps.slice(r * 17, r * 17 + 17));
      const end = row.indexOf(2);
      expect(end).toBeGreaterThan(1);
      expect(row.slice(end + 1).every((v) => v === 0)).toBe(true);
      expect(row.slice(1, end).every((v) => v > 3)).toBe(true);
      expect(data.trainImageIdxs.data[r]).toBe(Math.floor(r / 5));
    }
    // features row i = extractFeatures(image i) = extractFeatures(renderScene(scene i))
    for (const i of [0, 1234, 3999]) {
      expect(extractFeatures(data.trainImages[i])).toEqual(data.trainFeatures.data.slice(i * FEATURE_DIM, (i + 1) * FEATURE_DIM));
      expect(renderScene(data.trainScenes[i], 32).data).toEqual(data.trainImages[i].data);
    }
    // decoded val captions are true of their scenes
    const decoded = decodeCaptions(data.valCaptions, data.idxToWord) as string[];
    decoded.forEach((c, r) => checkCaption(c.split(' ').slice(1, -1), data.valScenes[data.valImageIdxs.data[r]]));
  });

  it('is deterministic and honours its options', () => {
    const a = shapesData({ numTrain: 30, numVal: 10, seed: 4, captionsPerImage: 3, imageSize: 48 });
    const b = shapesData({ numTrain: 30, numVal: 10, seed: 4, captionsPerImage: 3, imageSize: 48 });
    expect(a.trainCaptions.data).toEqual(b.trainCaptions.data);
    expect(a.trainFeatures.data).toEqual(b.trainFeatures.data);
    expect(a.valImages[3].data).toEqual(b.valImages[3].data);
    expect(a.trainCaptions.shape).toEqual([90, 17]);
    expect(a.valImages[0].width).toBe(48);
    expect(a.trainScenes).toEqual(makeShapesScenes(40, 4).slice(0, 30));
    const c = shapesData({ numTrain: 30, numVal: 10, seed: 5 });
    expect(c.trainFeatures.data).not.toEqual(a.trainFeatures.data);
    expect(() => shapesData({ numTrain: 0 })).toThrow(/options.numTrain/);
    expect(() => shapesData({ imageSize: 4 })).toThrow(/options.imageSize/);
  });
});
