// Scene accuracy on the shapes world (src/data/shapes.ts): does a caption name exactly the
// scene's objects by colour and shape? Corpus BLEU cannot tell "a red cross and a purple
// triangle" from the truth "a purple cross and a red triangle"; this can.
//
// A caption is parsed into object mentions, in any of the dataset's phrasings:
//   [a|one] [size] COLOUR SHAPE          ("a big red circle", "one red circle", "a red circle")
//   a [size] SHAPE that is COLOUR        ("a little triangle that is blue")
// Every shape word makes one mention; its colour is the colour word right before it, else the
// one after "that is". The caption names the scene exactly when every colour word and every
// shape word belongs to a mention and the mentions, as a multiset of (colour, shape), equal the
// scene's objects: nothing missing, nothing extra, nothing named twice, any order.
// Special tokens (<START>, <END>, <NULL>) are ignored; any other word (counts, "and", relations,
// "on a plain background") is ignored too. Sizes are ignored unless `checkSizes` is set; then a
// size word of a mention (right before its colour, or before its shape in the "that is" form)
// must match the object's size class (small/little, big/large). Spatial relations are not
// checked.
import { fail } from '../core/errors.js';
import { COLOURS, SHAPES, type Scene } from '../data/shapes.js';

const COLOUR_SET: ReadonlySet<string> = new Set(COLOURS);
const SHAPE_SET: ReadonlySet<string> = new Set(SHAPES);
const SIZE_OF: Readonly<Record<string, 'small' | 'big'>> = { small: 'small', little: 'small', big: 'big', large: 'big' };
const SPECIAL: ReadonlySet<string> = new Set(['<START>', '<END>', '<NULL>']);

export interface SceneMatchOptions {
  /** Also require each mention's size word, when it has one, to match (default false). */
  checkSizes?: boolean;
}

/** One object named by a caption: colour, shape and the size class of its size word if any. */
export interface ObjectMention {
  colour: string;
  shape: string;
  size: 'small' | 'big' | null;
}

function captionWords(caption: string | readonly string[], name: string): string[] {
  if (typeof caption === 'string') return caption.split(/\s+/).filter((w) => w !== '' && !SPECIAL.has(w));
  if (!Array.isArray(caption)) fail(name, 'a caption string or an array of words', caption === null ? 'null' : typeof caption);
  caption.forEach((w, i) => {
    if (typeof w !== 'string') fail(`${name}[${i}]`, 'a string word', typeof w);
  });
  return caption.filter((w) => !SPECIAL.has(w));
}

/**
 * The objects a caption names (see the file comment), or null when some colour or shape word
 * belongs to no mention ("a red a circle", "a red blue circle", "a circle").
 * `caption` is a decoded string ("<START> a red circle <END>") or an array of words.
 */
export function parseObjectMentions(caption: string | readonly string[]): ObjectMention[] | null {
  return parse(caption, 'caption');
}

function parse(caption: string | readonly string[], name: string): ObjectMention[] | null {
  const words = captionWords(caption, name);
  const used = new Uint8Array(words.length);
  const mentions: ObjectMention[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!SHAPE_SET.has(words[i])) continue;
    used[i] = 1;
    if (i > 0 && COLOUR_SET.has(words[i - 1]) && !used[i - 1]) {
      // [size] COLOUR SHAPE
      used[i - 1] = 1;
      mentions.push({ colour: words[i - 1], shape: words[i], size: SIZE_OF[words[i - 2]] ?? null });
    } else if (words[i + 1] === 'that' && words[i + 2] === 'is' && COLOUR_SET.has(words[i + 3])) {
      // [size] SHAPE that is COLOUR
      used[i + 3] = 1;
      mentions.push({ colour: words[i + 3], shape: words[i], size: SIZE_OF[words[i - 1]] ?? null });
    } else {
      return null;
    }
  }
  for (let i = 0; i < words.length; i++) if (COLOUR_SET.has(words[i]) && !used[i]) return null;
  return mentions;
}

function checkSceneArg(scene: Scene, name: string): void {
  if (!scene || typeof scene !== 'object' || !Array.isArray(scene.objects)) fail(name, 'a Scene { objects, background }', scene === null ? 'null' : typeof scene);
  scene.objects.forEach((o, i) => {
    if (!o || !COLOUR_SET.has(o.colour)) fail(`${name}.objects[${i}].colour`, `one of ${COLOURS.join(', ')}`, o?.colour);
    if (!SHAPE_SET.has(o.shape)) fail(`${name}.objects[${i}].shape`, `one of ${SHAPES.join(', ')}`, o.shape);
  });
}

/**
 * Does `caption` name exactly the objects of `scene` by colour and shape (any order, any of the
 * dataset's phrasings; see the file comment)? Sizes are checked only with `checkSizes`.
 */
export function namesScene(caption: string | readonly string[], scene: Scene, options: SceneMatchOptions = {}): boolean {
  checkSceneArg(scene, 'scene');
  const mentions = parseObjectMentions(caption);
  return mentions !== null && matches(mentions, scene, options.checkSizes === true);
}

function matches(mentions: readonly ObjectMention[], scene: Scene, checkSizes: boolean): boolean {
  const objects = scene.objects;
  if (mentions.length !== objects.length) return false;
  const taken = new Uint8Array(objects.length);
  for (const m of mentions) {
    const j = objects.findIndex((o, k) => !taken[k] && o.colour === m.colour && o.shape === m.shape && (!checkSizes || m.size === null || m.size === o.size));
    if (j < 0) return false;
    taken[j] = 1;
  }
  return true;
}

/** Correct captions out of a number of scenes; `accuracy` = correct / total (NaN when total is 0). */
export interface AccuracyCount {
  correct: number;
  total: number;
  accuracy: number;
}

/** Scene accuracy overall and by the number of objects in the scene (1, 2, 3). */
export interface SceneAccuracy {
  all: AccuracyCount;
  byObjects: Record<1 | 2 | 3, AccuracyCount>;
  /** Per caption: did it name its scene exactly. */
  correct: boolean[];
}

/**
 * Scene accuracy of `captions[i]` against `scenes[i]` (same length): overall and by object
 * count. Scenes with other object counts than 1–3 count only towards `all`.
 */
export function sceneAccuracy(captions: readonly (string | readonly string[])[], scenes: readonly Scene[], options: SceneMatchOptions = {}): SceneAccuracy {
  if (!Array.isArray(captions)) fail('captions', 'an array of captions', captions === null ? 'null' : typeof captions);
  if (!Array.isArray(scenes)) fail('scenes', 'an array of scenes', scenes === null ? 'null' : typeof scenes);
  if (captions.length !== scenes.length) fail('captions', `${scenes.length} captions (one per scene)`, `${captions.length}`);
  scenes.forEach((s, i) => checkSceneArg(s, `scenes[${i}]`));
  const mentions = captions.map((c, i) => parse(c, `captions[${i}]`));
  const count = () => ({ correct: 0, total: 0, accuracy: NaN });
  const all = count();
  const byObjects: Record<1 | 2 | 3, AccuracyCount> = { 1: count(), 2: count(), 3: count() };
  const correct = scenes.map((scene, i) => {
    const m = mentions[i];
    const ok = m !== null && matches(m, scene, options.checkSizes === true);
    const k = scene.objects.length;
    const groups = k === 1 || k === 2 || k === 3 ? [all, byObjects[k as 1 | 2 | 3]] : [all];
    for (const g of groups) {
      g.total++;
      if (ok) g.correct++;
    }
    return ok;
  });
  for (const g of [all, byObjects[1], byObjects[2], byObjects[3]]) g.accuracy = g.total === 0 ? NaN : g.correct / g.total;
  return { all, byObjects, correct };
}

/** "96.4% (482/500)", or "–" for no scenes. */
export function formatAccuracy(a: AccuracyCount): string {
  return a.total === 0 ? '–' : `${((100 * a.correct) / a.total).toFixed(1)}% (${a.correct}/${a.total})`;
}
