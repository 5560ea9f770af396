// The shapes world's true template captions, and the single-object check.
import { fail } from '../core/errors.js';
import { LegacyRandom } from '../core/rng.js';
import { SHAPES, COLOURS, type ShapeName, type ColourName, type SizeName, MAX_CAPTION_WORDS, type SceneObject, type Scene } from './shapes-base.js';
import { checkScene } from './shapes-render.js';

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
