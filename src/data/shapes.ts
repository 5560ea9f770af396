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
import type { CaptionData } from './types.js';
import { extractFeatures, FEATURE_DIM, type RgbImage } from './features.js';

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross'] as const;
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
export const SIZES = ['small', 'big'] as const;
export type ShapeName = (typeof SHAPES)[number];
export type ColourName = (typeof COLOURS)[number];
export type SizeName = (typeof SIZES)[number];

/** Base RGB of each colour (well separated in hue); objects jitter each channel by ±10. */
export const COLOUR_RGB: Record<ColourName, readonly [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [240, 210, 30],
  purple: [170, 50, 190],
};

/** Radius ranges (fraction of the image side) of each size class. */
export const SIZE_RADIUS: Record<SizeName, readonly [number, number]> = { small: [0.1, 0.13], big: [0.18, 0.21] };

/** Longest caption in words (CS231n rows: <START>, ≤ 15 words, <END>). */
export const MAX_CAPTION_WORDS = 15;
/** Caption row length of `shapesData` (as COCO in CS231n). */
export const CAPTION_LENGTH = 17;

export interface SceneObject {
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
  /** Centre, fractions of the image side (x right, y down). */
  x: number;
  y: number;
  /** Radius, fraction of the image side. */
  r: number;
  /** The rendered colour (base colour with jitter), 0..255. */
  rgb: [number, number, number];
}

export interface Scene {
  /** 1 to 3 objects with distinct colours. */
  objects: SceneObject[];
  /** Grey level of the background, 0..255 (225..250). */
  background: number;
}

/** An RGBA image as a canvas `ImageData` holds it: data (height, width, 4) row-major. */
export interface RgbaImage extends RgbImage {
  data: Uint8ClampedArray;
  channels: 4;
}

/** The shapes world in the CaptionData layout plus what a UI needs to show it. */
export interface ShapesData extends CaptionData {
  /** Images of the train split (views into one buffer), row i ↔ trainFeatures row i. */
  trainImages: RgbaImage[];
  valImages: RgbaImage[];
  trainScenes: Scene[];
  valScenes: Scene[];
  imageSize: number;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** The vocabulary in index order: <NULL>=0, <START>=1, <END>=2, <UNK>=3, then the words. */
export const SHAPES_VOCAB: readonly string[] = Object.freeze([
  '<NULL>', '<START>', '<END>', '<UNK>',
  'a', 'there', 'is', 'are', 'the', 'image', 'shows', 'one', 'two', 'three', 'shapes', ':', ',',
  'and', 'that', 'on', 'at', 'left', 'right', 'top', 'bottom', 'of', 'to', 'above', 'below',
  'plain', 'background',
  'small', 'little', 'big', 'large',
  'red', 'green', 'blue', 'yellow', 'purple',
  'circle', 'square', 'triangle', 'diamond', 'cross',
]);

/** { idxToWord, wordToIdx } of the shapes world (fresh copies). */
export function shapesVocab(): { idxToWord: string[]; wordToIdx: Record<string, number> } {
  const idxToWord = [...SHAPES_VOCAB];
  const wordToIdx: Record<string, number> = {};
  idxToWord.forEach((w, i) => (wordToIdx[w] = i));
  return { idxToWord, wordToIdx };
}

/**
 * One caption row: [<START>, ids of `words`, <END>, <NULL>…] of `length` int32s. Words missing
 * from `wordToIdx` become <UNK>.
 */
export function encodeCaption(words: readonly string[], wordToIdx: Record<string, number>, length = CAPTION_LENGTH): Int32Array {
  if (!Array.isArray(words)) fail('words', 'an array of words', typeof words);
  if (!Number.isInteger(length) || length < 2) fail('length', 'an integer ≥ 2', length);
  if (words.length > length - 2) fail('words', `at most ${length - 2} words (length ${length} with <START> and <END>)`, words.length);
  const special = ['<NULL>', '<START>', '<END>', '<UNK>'];
  for (const s of special) {
    if (!Number.isInteger(wordToIdx?.[s])) fail('wordToIdx', `an index for ${s}`, wordToIdx?.[s]);
  }
  const row = new Int32Array(length).fill(wordToIdx['<NULL>']);
  row[0] = wordToIdx['<START>'];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (typeof w !== 'string') fail(`words[${i}]`, 'a string', typeof w);
    const id = Object.prototype.hasOwnProperty.call(wordToIdx, w) ? wordToIdx[w] : wordToIdx['<UNK>'];
    row[i + 1] = id;
  }
  row[words.length + 1] = wordToIdx['<END>'];
  return row;
}

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

/**
 * Fast path of `coverage`: +1 when all 16 samples of the pixel whose centre is at (dx, dy) from
 * the shape's centre are inside, −1 when all are outside, 0 when undecided. The samples lie
 * within ±0.375 px of the centre in x and y; the margins below exceed the largest change of each
 * test over that square (with ≥ 0.005 px to spare, far above rounding error), so the fast path
 * never disagrees with the 16 point tests.
 */
function pixelState(kind: number, dx: number, dy: number, r: number): number {
  const ax = Math.abs(dx), ay = Math.abs(dy);
  if (kind === 0) {
    // circle: the distance to the centre changes by ≤ 0.375·√2 < 0.54
    const d2 = dx * dx + dy * dy;
    const lo = r - 0.54, hi = r + 0.54;
    if (lo > 0 && d2 <= lo * lo) return 1;
    return d2 >= hi * hi ? -1 : 0;
  }
  if (kind === 1) return boxState(ax, ay, 0.85 * r, 0.85 * r);
  if (kind === 2) {
    // triangle: f = (dy + 1.1r)·1.1 − |dx|·1.9 changes by ≤ 0.375·(1.1 + 1.9) < 1.13
    const f = (dy + 1.1 * r) * 1.1 - ax * 1.9;
    if (f <= -1.13 || dy >= 0.8 * r + 0.38 || dy <= -1.1 * r - 0.38) return -1;
    return f >= 1.13 && dy <= 0.8 * r - 0.38 && dy >= -1.1 * r + 0.38 ? 1 : 0;
  }
  if (kind === 3) {
    // diamond: |dx| + |dy| changes by ≤ 0.75
    const f = ax + ay - 1.15 * r;
    return f <= -0.76 ? 1 : f >= 0.76 ? -1 : 0;
  }
  const a = boxState(ax, ay, 0.34 * r, r), b = boxState(ax, ay, r, 0.34 * r);
  if (a > 0 || b > 0) return 1;
  return a < 0 && b < 0 ? -1 : 0;
}

/** `pixelState` of the box |dx| ≤ hx, |dy| ≤ hy given |dx|, |dy| of the pixel centre. */
function boxState(ax: number, ay: number, hx: number, hy: number): number {
  if (ax >= hx + 0.38 || ay >= hy + 0.38) return -1;
  return ax <= hx - 0.38 && ay <= hy - 0.38 ? 1 : 0;
}

/** Sub-pixel coverage (0..16) of pixel (px, py) by a shape of kind `kind` (index in SHAPES). */
function coverage(kind: number, px: number, py: number, cx: number, cy: number, r: number): number {
  let n = 0;
  for (let sy = 0; sy < 4; sy++) {
    const dy = py + (sy + 0.5) / 4 - cy;
    const ay = Math.abs(dy);
    for (let sx = 0; sx < 4; sx++) {
      const dx = px + (sx + 0.5) / 4 - cx;
      const ax = Math.abs(dx);
      let hit: boolean;
      if (kind === 0) hit = dx * dx + dy * dy <= r * r; // circle
      else if (kind === 1) hit = ax <= 0.85 * r && ay <= 0.85 * r; // square
      // triangle: apex (0, −1.1r), base y = 0.8r, half-width 1.1r: |dx|·1.9 ≤ (dy + 1.1r)·1.1
      else if (kind === 2) hit = dy <= 0.8 * r && dy >= -1.1 * r && ax * 1.9 <= (dy + 1.1 * r) * 1.1;
      else if (kind === 3) hit = ax + ay <= 1.15 * r; // diamond
      else hit = (ax <= 0.34 * r && ay <= r) || (ay <= 0.34 * r && ax <= r); // cross
      if (hit) n++;
    }
  }
  return n;
}

function checkScene(scene: Scene, name: string): void {
  if (!scene || !Array.isArray(scene.objects)) fail(name, 'a Scene { objects, background }', scene);
  scene.objects.forEach((o, i) => {
    if (!SHAPES.includes(o?.shape)) fail(`${name}.objects[${i}].shape`, `one of ${SHAPES.join(', ')}`, o?.shape);
    for (const key of ['x', 'y', 'r'] as const) {
      if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) fail(`${name}.objects[${i}].${key}`, 'a finite number', o[key]);
    }
  });
}

/**
 * Renders a scene as a size×size RGBA image (alpha 255). Writes into `out` (size·size·4 bytes)
 * when given. Each pixel takes 4×4 point samples per object; coverage n/16 blends the object's
 * colour over the pixel: v = (v·(16 − n) + rgb·n) / 16, rounded by Uint8ClampedArray.
 */
export function renderScene(scene: Scene, size = 32, out?: Uint8ClampedArray): RgbaImage {
  checkScene(scene, 'scene');
  if (!Number.isInteger(size) || size < 4 || size > 4096) fail('size', 'an integer in [4, 4096]', size);
  if (out === undefined) out = new Uint8ClampedArray(size * size * 4);
  else if (!(out instanceof Uint8ClampedArray) || out.length !== size * size * 4) {
    fail('out', `a Uint8ClampedArray of ${size * size * 4} bytes`, out instanceof Uint8ClampedArray ? out.length : typeof out);
  }
  const bg = scene.background;
  for (let p = 0; p < out.length; p += 4) {
    out[p] = bg;
    out[p + 1] = bg;
    out[p + 2] = bg;
    out[p + 3] = 255;
  }
  for (const o of scene.objects) {
    const cx = o.x * size, cy = o.y * size, r = o.r * size;
    const ext = 1.3 * r;
    const x0 = Math.max(0, Math.floor(cx - ext)), x1 = Math.min(size - 1, Math.floor(cx + ext));
    const y0 = Math.max(0, Math.floor(cy - ext)), y1 = Math.min(size - 1, Math.floor(cy + ext));
    const [cr, cg, cb] = o.rgb;
    const kind = SHAPES.indexOf(o.shape);
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const state = pixelState(kind, px + 0.5 - cx, py + 0.5 - cy, r);
        const n = state > 0 ? 16 : state < 0 ? 0 : coverage(kind, px, py, cx, cy, r);
        if (n === 0) continue;
        const p = (py * size + px) * 4;
        out[p] = (out[p] * (16 - n) + cr * n) / 16;
        out[p + 1] = (out[p + 1] * (16 - n) + cg * n) / 16;
        out[p + 2] = (out[p + 2] * (16 - n) + cb * n) / 16;
      }
    }
  }
  return { data: out, width: size, height: size, channels: 4 };
}

// ---------------------------------------------------------------------------------------------
// Captions

/** Spatial relation "a REL b", or null when not clear-cut (needs a 2:1 dominant axis). */
export function relation(a: SceneObject, b: SceneObject): 'left' | 'right' | 'above' | 'below' | null {
  const dx = b.x - a.x, dy = b.y - a.y;
  const ax = Math.abs(dx), ay = Math.abs(dy);
  if (ax >= 2 * ay && ax >= 0.15) return dx > 0 ? 'left' : 'right';
  if (ay >= 2 * ax && ay >= 0.15) return dy > 0 ? 'above' : 'below';
  return null;
}

function pick<T>(rng: LegacyRandom, xs: readonly T[]): T {
  return xs[rng.randint(xs.length)];
}

function sizeWord(rng: LegacyRandom, o: SceneObject): string {
  return o.size === 'big' ? pick(rng, ['big', 'large']) : pick(rng, ['small', 'little']);
}

function relWords(rng: LegacyRandom, rel: 'left' | 'right' | 'above' | 'below', short: boolean): string[] {
  if (rel === 'above' || rel === 'below') return [rel];
  return short ? [rel, 'of'] : pick(rng, [[rel, 'of'], ['to', 'the', rel, 'of']]);
}

type Template = (rng: LegacyRandom, o: SceneObject[]) => string[] | null;

const np = (o: SceneObject): string[] => ['a', o.colour, o.shape];
const npSized = (rng: LegacyRandom, o: SceneObject): string[] => ['a', sizeWord(rng, o), o.colour, o.shape];

function position(o: SceneObject): string[] | null {
  if (o.x < 0.35) return ['on', 'the', 'left'];
  if (o.x > 0.65) return ['on', 'the', 'right'];
  if (o.y < 0.35) return ['at', 'the', 'top'];
  if (o.y > 0.65) return ['at', 'the', 'bottom'];
  return null;
}

const ONE: Template[] = [
  (rng, [a]) => npSized(rng, a),
  (_, [a]) => np(a),
  (rng, [a]) => ['there', 'is', ...npSized(rng, a)],
  (rng, [a]) => [...npSized(rng, a), 'on', 'a', 'plain', 'background'],
  (_, [a]) => ['one', a.colour, a.shape],
  (rng, [a]) => ['the', 'image', 'shows', ...npSized(rng, a)],
  (rng, [a]) => ['a', sizeWord(rng, a), a.shape, 'that', 'is', a.colour],
  (_, [a]) => {
    const where = position(a);
    return where ? [...np(a), ...where] : null;
  },
];

const TWO: Template[] = [
  (rng, [a, b]) => [...npSized(rng, a), 'and', ...npSized(rng, b)],
  (_, [a, b]) => [...np(a), 'and', ...np(b)],
  (_, [a, b]) => ['two', 'shapes', ':', ...np(a), 'and', ...np(b)],
  (rng, [a, b]) => ['there', 'are', 'two', 'shapes', ':', ...npSized(rng, a), 'and', ...npSized(rng, b)],
  (rng, [a, b]) => {
    const rel = relation(a, b);
    return rel ? ['there', 'is', ...np(a), ...relWords(rng, rel, false), ...np(b)] : null;
  },
  (rng, [a, b]) => {
    const rel = relation(a, b);
    return rel ? [...npSized(rng, a), ...relWords(rng, rel, false), ...npSized(rng, b)] : null;
  },
];

const THREE: Template[] = [
  (_, [a, b, c]) => ['three', 'shapes', ':', ...np(a), ',', ...np(b), 'and', ...np(c)],
  (rng, [a, b, c]) => [...npSized(rng, a), ',', ...npSized(rng, b), 'and', ...npSized(rng, c)],
  (_, [a, b, c]) => [...np(a), ',', ...np(b), 'and', ...np(c)],
  (rng, [a, b, c]) => {
    const rel = relation(a, b);
    return rel ? [...np(a), ...relWords(rng, rel, false), ...np(b), 'and', ...np(c)] : null;
  },
  (rng, [a, b, c]) => {
    const rel = relation(a, b);
    return rel ? ['there', 'is', ...np(a), ...relWords(rng, rel, true), ...np(b), 'and', ...np(c)] : null;
  },
];

/**
 * `count` true captions (arrays of words, ≤ 15 each) of a scene, drawn from `rng`: templates are
 * taken in a random order (objects listed in a random order each time, relations used only when
 * `relation` is clear-cut), distinct while the templates last, then repeating. Every caption
 * names every object of the scene by colour and shape (`namesScene` in src/eval/scene.ts holds).
 */
export function captionScene(scene: Scene, count: number, rng: LegacyRandom): string[][] {
  checkScene(scene, 'scene');
  if (!Number.isInteger(count) || count < 0) fail('count', 'a non-negative integer', count);
  const k = scene.objects.length;
  if (k < 1 || k > 3) fail('scene.objects', '1 to 3 objects', k);
  const templates = k === 1 ? ONE : k === 2 ? TWO : THREE;
  const out: string[][] = [];
  const seen = new Set<string>();
  let order = rng.permutation(templates.length);
  let t = 0;
  let misses = 0;
  while (out.length < count) {
    if (t === order.length) {
      order = rng.permutation(templates.length);
      t = 0;
    }
    const perm = rng.permutation(k);
    const objs = Array.from(perm, (i) => scene.objects[i]);
    const words = templates[order[t++]](rng, objs);
    if (words === null) continue;
    if (words.length > MAX_CAPTION_WORDS) throw new Error(`recap: internal error: caption too long: ${words.join(' ')}`);
    const key = words.join(' ');
    // Prefer distinct captions; after many misses (few templates apply) accept repeats.
    if (seen.has(key) && misses++ < 50) continue;
    seen.add(key);
    out.push(words);
  }
  return out;
}

/**
 * The colour + shape of a single-object scene, e.g. { colour: 'red', shape: 'circle',
 * size: 'big', label: 'red circle' }, or null for a scene with more objects.
 */
export function singleObjectLabel(scene: Scene): { colour: ColourName; shape: ShapeName; size: SizeName; label: string } | null {
  checkScene(scene, 'scene');
  if (scene.objects.length !== 1) return null;
  const o = scene.objects[0];
  return { colour: o.colour, shape: o.shape, size: o.size, label: `${o.colour} ${o.shape}` };
}

/**
 * Does a caption name a single-object scene correctly: the only colour word it uses is the
 * object's colour and the only shape word is its shape (special tokens are ignored)?
 * `caption` is a decoded string ("<START> a red circle <END>") or an array of words.
 * False for scenes with more than one object.
 */
export function describesSingleObject(caption: string | readonly string[], scene: Scene): boolean {
  const label = singleObjectLabel(scene);
  if (label === null) return false;
  const words = typeof caption === 'string' ? caption.split(' ') : caption;
  if (!Array.isArray(words) && typeof caption !== 'string') fail('caption', 'a string or an array of words', typeof caption);
  const colours = new Set(words.filter((w) => (COLOURS as readonly string[]).includes(w)));
  const shapes = new Set(words.filter((w) => (SHAPES as readonly string[]).includes(w)));
  return colours.size === 1 && colours.has(label.colour) && shapes.size === 1 && shapes.has(label.shape);
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
