// The built-in "shapes world": procedurally generated scenes of 1–3 coloured shapes on a plain
// light background, rendered by a deterministic rasteriser, with several true template captions
// per scene. It is recap's default training data (no download), laid out like CS231n's
// `load_coco_data` (see src/data/types.ts).
//
// Geometry is in units of the image side (x right, y down, both in [0, 1]), so a scene renders
// at any size. Every object is described by shape, colour, size (small/big), centre and radius
// r; the colours of one scene are distinct, so "the red shape" always names one object.
// Shapes, in units of r around the centre (dx, dy):
//   circle   dx² + dy² ≤ 1
//   square   |dx| ≤ 0.85 and |dy| ≤ 0.85
//   diamond  |dx| + |dy| ≤ 1.15
//   triangle apex (0, −1.1), base y = 0.8 with half-width 1.1 (points up)
//   cross    |dx| ≤ 0.34 and |dy| ≤ 1, or |dy| ≤ 0.34 and |dx| ≤ 1
// Rendering: 4×4 point samples per pixel (coverage n/16 blends the object colour over what is
// below), + − * / only, so every engine produces the same bytes.
import { fail } from '../core/errors.js';
import { LegacyRandom } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import { extractFeatures, FEATURE_DIM } from './features.js';
import { SHAPES, COLOURS, SIZES, type ColourName, type SizeName, COLOUR_RGB, SIZE_RADIUS, CAPTION_LENGTH, type SceneObject, type Scene, type RgbaImage, type ShapesData, shapesVocab, encodeCaption } from './shapes-base.js';
import { renderScene } from './shapes-render.js';
import { captionScene } from './shapes-captions.js';

export * from './shapes-base.js';
export { renderScene } from './shapes-render.js';
export { relation, captionScene, singleObjectLabel, describesSingleObject } from './shapes-captions.js';

// ---------------------------------------------------------------------------------------------
// Scenes

const MARGIN = 0.03;
/** Centres are at least (r1 + r2)·GAP_FACTOR + GAP apart, so shapes touch at most at corners. */
const GAP_FACTOR = 1.15;
const GAP = 0.02;

function newObject(rng: LegacyRandom, colour: ColourName): SceneObject {
  const shape = SHAPES[rng.randint(SHAPES.length)];
  const size = SIZES[rng.randint(SIZES.length)];
  const [lo, hi] = SIZE_RADIUS[size];
  const r = lo + (hi - lo) * rng.rand();
  const base = COLOUR_RGB[colour];
  const rgb: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) rgb[c] = base[c] - 10 + rng.randint(21);
  return { shape, colour, size, x: 0.5, y: 0.5, r, rgb };
}

function setSize(rng: LegacyRandom, o: SceneObject, size: SizeName): void {
  const [lo, hi] = SIZE_RADIUS[size];
  o.size = size;
  o.r = lo + (hi - lo) * rng.rand();
}

/** Places the objects without overlap (rejection sampling); false if it gave up. */
function place(rng: LegacyRandom, objects: SceneObject[]): boolean {
  for (let restart = 0; restart < 10; restart++) {
    let ok = true;
    for (let i = 0; i < objects.length && ok; i++) {
      const o = objects[i];
      const lo = o.r + MARGIN;
      const span = 1 - 2 * lo;
      let placed = false;
      for (let attempt = 0; attempt < 40 && !placed; attempt++) {
        o.x = lo + span * rng.rand();
        o.y = lo + span * rng.rand();
        placed = true;
        for (let j = 0; j < i; j++) {
          const p = objects[j];
          const dx = o.x - p.x, dy = o.y - p.y;
          const min = (o.r + p.r) * GAP_FACTOR + GAP;
          if (dx * dx + dy * dy < min * min) {
            placed = false;
            break;
          }
        }
      }
      ok = placed;
    }
    if (ok) return true;
  }
  return false;
}

/**
 * `count` random scenes from `seed` (LegacyRandom stream): 1 object with probability 0.4,
 * 2 with 0.35, 3 with 0.25; distinct colours; uniform shapes and sizes; no overlaps.
 */
export function makeShapesScenes(count: number, seed = 0): Scene[] {
  if (!Number.isInteger(count) || count < 0) fail('count', 'a non-negative integer', count);
  const rng = new LegacyRandom(seed);
  const scenes: Scene[] = [];
  for (let s = 0; s < count; s++) {
    const u = rng.randint(100);
    const k = u < 40 ? 1 : u < 75 ? 2 : 3;
    const perm = rng.permutation(COLOURS.length);
    const objects: SceneObject[] = [];
    for (let i = 0; i < k; i++) objects.push(newObject(rng, COLOURS[perm[i]]));
    // If the objects don't fit, shrink big ones one at a time (always fits when all are small).
    while (!place(rng, objects)) {
      const big = objects.findIndex((o) => o.size === 'big');
      if (big < 0) throw new Error('recap: internal error: could not place small shapes');
      setSize(rng, objects[big], 'small');
    }
    scenes.push({ objects, background: 225 + rng.randint(26) });
  }
  return scenes;
}

// ---------------------------------------------------------------------------------------------
// The dataset

export interface ShapesDataOptions {
  /** Train images (default 4000). */
  numTrain?: number;
  /** Val images (default 500). */
  numVal?: number;
  /** Seed of the scene and caption streams (default 0). */
  seed?: number;
  /** Captions per image (default 5). */
  captionsPerImage?: number;
  /** Side of the rendered images in pixels (default 32; features resample to 32). */
  imageSize?: number;
}

/**
 * The shapes world as CaptionData: scenes from `makeShapesScenes(numTrain + numVal, seed)`
 * (the first numTrain are train), rendered at imageSize, features from `extractFeatures`
 * (float32 (Ni, FEATURE_DIM)), captionsPerImage captions per image (int32 (Ni·cpi, 17),
 * image i's captions in rows i·cpi … i·cpi + cpi − 1) drawn from a second stream seeded with
 * (seed ^ 0x5bd1e995).
 */
export function shapesData(options: ShapesDataOptions = {}): ShapesData {
  const { numTrain = 4000, numVal = 500, seed = 0, captionsPerImage = 5, imageSize = 32 } = options;
  if (!Number.isInteger(numTrain) || numTrain < 1) fail('options.numTrain', 'a positive integer', numTrain);
  if (!Number.isInteger(numVal) || numVal < 1) fail('options.numVal', 'a positive integer', numVal);
  if (!Number.isInteger(captionsPerImage) || captionsPerImage < 1) fail('options.captionsPerImage', 'a positive integer', captionsPerImage);
  if (!Number.isInteger(imageSize) || imageSize < 8 || imageSize > 1024) fail('options.imageSize', 'an integer in [8, 1024]', imageSize);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('options.seed', 'an integer in [0, 2^32)', seed);
  const scenes = makeShapesScenes(numTrain + numVal, seed);
  const capRng = new LegacyRandom((seed ^ 0x5bd1e995) >>> 0);
  const { idxToWord, wordToIdx } = shapesVocab();

  const split = (from: number, to: number) => {
    const n = to - from;
    const pix = imageSize * imageSize * 4;
    const buffer = new Uint8ClampedArray(n * pix);
    const images: RgbaImage[] = [];
    const features = new Float32Array(n * FEATURE_DIM);
    const captions = new Int32Array(n * captionsPerImage * CAPTION_LENGTH);
    const imageIdxs = new Int32Array(n * captionsPerImage);
    for (let i = 0; i < n; i++) {
      const scene = scenes[from + i];
      const image = renderScene(scene, imageSize, buffer.subarray(i * pix, (i + 1) * pix));
      images.push(image);
      extractFeatures(image, features, i * FEATURE_DIM);
      const caps = captionScene(scene, captionsPerImage, capRng);
      for (let c = 0; c < captionsPerImage; c++) {
        const row = i * captionsPerImage + c;
        captions.set(encodeCaption(caps[c], wordToIdx, CAPTION_LENGTH), row * CAPTION_LENGTH);
        imageIdxs[row] = i;
      }
    }
    return {
      images,
      scenes: scenes.slice(from, to),
      features: new Tensor(features, [n, FEATURE_DIM]),
      captions: new Tensor(captions, [n * captionsPerImage, CAPTION_LENGTH]),
      imageIdxs: new Tensor(imageIdxs, [n * captionsPerImage]),
    };
  };
  const train = split(0, numTrain);
  const val = split(numTrain, numTrain + numVal);
  return {
    trainCaptions: train.captions,
    trainImageIdxs: train.imageIdxs,
    trainFeatures: train.features,
    valCaptions: val.captions,
    valImageIdxs: val.imageIdxs,
    valFeatures: val.features,
    idxToWord,
    wordToIdx,
    trainImages: train.images,
    valImages: val.images,
    trainScenes: train.scenes,
    valScenes: val.scenes,
    imageSize,
  };
}
