// The data a command runs on (--data and friends, or a checkpoint's saved choice), and the
// captioning helpers the commands share.
import { FormatError, LegacyRandom, Tensor, checkSameVocabulary, decodeCaptions, init, renderScene, shapesData, stripSpecialTokens,
  type CaptionData, type CaptioningRNN, type Checkpoint, type ShapesData } from '../index.js';
import type { CheckpointFeatures } from '../train/checkpoint.js';
import { checkRecipe, parseRecipe } from '../data/recipe.js';
import { loadCheckpointFile, loadCocoData, preproKarpathy, readRecapDataFile, type PreproPhase } from '../node.js';
import { UsageError, formatData, type DataSpec, type EvalOptions, type SampleOptions } from './args.js';
import { encodePng, pngDataUrl } from './report.js';
import { drawTrainCaptions } from '../data/captions.js';
import { encodeWithCheckpointCnn } from './encoder.js';

export const SHAPES_DEFAULTS = { maxTrain: 16000, numVal: 500, dataSeed: 0, captionsPerImage: 5 };
const COCO_DATA_SEED = 231; // the notebooks' np.random.seed(231) before load_coco_data(max_train=...)

export interface DataChoice {
  data: string;
  maxTrain: number | null;
  numVal: number | null;
  dataSeed: number;
  /** karpathy:JSON only: the features path (--features). */
  features?: string | null;
}

export interface Loaded {
  data: CaptionData;
  shapes: ShapesData | null;
  choice: DataChoice;
  description: string;
  /** How the features were made, when recap made them (prepro --images): checkpoints carry it. */
  features?: CheckpointFeatures | null;
}

/** The data flags, falling back to `saved` (a checkpoint's meta) for flags not given. */
export function chooseData(
  flags: { data?: DataSpec; maxTrain?: number; numVal?: number; dataSeed?: number; features?: string },
  given: ReadonlySet<string>, saved: Partial<DataChoice> | null, command: string,
): DataChoice {
  const savedData = typeof saved?.data === 'string' ? saved.data : null;
  const data = given.has('data') && flags.data ? formatData(flags.data) : (savedData ?? 'shapes');
  const inherit = savedData !== null && savedData === data;
  const pick = <K extends 'maxTrain' | 'numVal' | 'dataSeed'>(k: K, dflt: DataChoice[K]): DataChoice[K] => {
    if (given.has(k)) return flags[k] as DataChoice[K];
    if (inherit && saved && saved[k] !== undefined) return saved[k] as DataChoice[K];
    return dflt;
  };
  if (data === 'shapes') {
    return { data, maxTrain: pick('maxTrain', SHAPES_DEFAULTS.maxTrain), numVal: pick('numVal', SHAPES_DEFAULTS.numVal), dataSeed: pick('dataSeed', SHAPES_DEFAULTS.dataSeed) };
  }
  if (given.has('numVal')) throw new UsageError('--num-val applies to --data shapes only (COCO has its own val split)', command);
  if (data.startsWith('prepared:') || data.startsWith('karpathy:')) {
    const features = given.has('features') ? flags.features! : inherit ? saved?.features ?? null : null;
    if (data.startsWith('karpathy:') && !features) throw new UsageError('--data karpathy:JSON needs --features PATH (a folder of {imgid}.npy, or one .npy/.npz/.h5 array)', command);
    if (data.startsWith('prepared:') && given.has('features')) throw new UsageError('--features applies to --data karpathy:JSON only (a prepared file holds its features)', command);
    return { data, maxTrain: pick('maxTrain', null), numVal: null, dataSeed: pick('dataSeed', COCO_DATA_SEED), features: data.startsWith('karpathy:') ? features : null };
  }
  if (given.has('features')) throw new UsageError('--features applies to --data karpathy:JSON only', command);
  return { data, maxTrain: pick('maxTrain', null), numVal: null, dataSeed: pick('dataSeed', COCO_DATA_SEED) };
}

/** Loads the chosen data; `onProgress` sees the feature read of --data karpathy:JSON. */
export async function loadData(choice: DataChoice, onProgress?: (phase: PreproPhase, done: number, total: number) => void): Promise<Loaded> {
  if (choice.data === 'shapes') {
    const shapes = shapesData({ numTrain: choice.maxTrain ?? SHAPES_DEFAULTS.maxTrain, numVal: choice.numVal ?? SHAPES_DEFAULTS.numVal, seed: choice.dataSeed, captionsPerImage: SHAPES_DEFAULTS.captionsPerImage });
    return {
      data: shapes, shapes, choice,
      description: `shapes world: ${shapes.trainFeatures.shape[0]} train images (${shapes.trainCaptions.shape[0]} captions), ${shapes.valFeatures.shape[0]} val images, V=${shapes.idxToWord.length}, D=${shapes.trainFeatures.shape[1]}`,
    };
  }
  if (choice.data.startsWith('prepared:')) {
    const file = choice.data.slice('prepared:'.length);
    const { data: stored, pca, info } = await readRecapDataFile(file);
    const data = maxTrainOf(asFloat32(stored), choice);
    const features = info.recipe ? { recipe: parseRecipe(`${file}: info.recipe`, info.recipe), pca } : null;
    return { data, shapes: null, choice, features, description: `prepared ${file}: ${describeSplits(data)}${pca ? ` (PCA from ${pca.mean.shape[0]})` : ''}${features ? ` (${features.recipe.encoder.arch} features)` : ''}` };
  }
  if (choice.data.startsWith('karpathy:')) {
    const json = choice.data.slice('karpathy:'.length);
    const data = maxTrainOf(asFloat32((await preproKarpathy(json, { features: choice.features!, onProgress })).data), choice);
    return { data, shapes: null, choice, description: `Karpathy split ${json} + ${choice.features}: ${describeSplits(data)}` };
  }
  const dir = choice.data.slice('coco:'.length);
  const data = await loadCocoData(dir, { maxTrain: choice.maxTrain ?? undefined, seed: choice.dataSeed });
  return {
    data, shapes: null, choice,
    description: `COCO ${dir}: ${data.trainCaptions.shape[0]} train captions (${data.trainFeatures.shape[0]} images), ${data.valCaptions.shape[0]} val captions (${data.valFeatures.shape[0]} images), V=${data.idxToWord.length}, D=${data.trainFeatures.shape[1]}`,
  };
}

/** --max-train N on prepared and Karpathy data: N training captions drawn as CS231n's max_train (coco:DIR's loader draws its own). */
function maxTrainOf(data: CaptionData, choice: DataChoice): CaptionData {
  return choice.maxTrain === null ? data : drawTrainCaptions(data, choice.maxTrain, choice.dataSeed);
}

/** The CLI's models are float32: float64 features (recap prepro --dtype float64) are rounded once here. */
function asFloat32(data: CaptionData): CaptionData {
  if (data.trainFeatures.dtype === 'float32') return data;
  const f = (t: Tensor | undefined) => t?.clone('float32');
  return { ...data, trainFeatures: f(data.trainFeatures)!, valFeatures: f(data.valFeatures)!, ...(data.testFeatures ? { testFeatures: f(data.testFeatures) } : {}) };
}

function describeSplits(data: CaptionData): string {
  const test = data.testCaptions ? `, ${data.testCaptions.shape[0]} test captions (${data.testFeatures!.shape[0]} images)` : '';
  return `${data.trainCaptions.shape[0]} train captions (${data.trainFeatures.shape[0]} images), ${data.valCaptions.shape[0]} val captions (${data.valFeatures.shape[0]} images)${test}, V=${data.idxToWord.length}, D=${data.trainFeatures.shape[1]}`;
}

/** The checkpoint's model must fit the data: same vocabulary, same feature width. */
export function checkFits(path: string, ckpt: Checkpoint, loaded: Loaded): void {
  checkSameVocabulary(path, ckpt.model.wordToIdx, loaded.data.wordToIdx);
  const D = loaded.data.trainFeatures.shape[1];
  if (ckpt.model.config.inputDim !== D) {
    throw new FormatError(path, `the model takes ${ckpt.model.config.inputDim}-dim features but --data ${loaded.choice.data} has ${D}`);
  }
  // features made by recap carry their recipe: a checkpoint and data made with other encoders do not mix
  const a = ckpt.features?.recipe ?? null;
  const b = loaded.features?.recipe ?? null;
  if (a && b) checkRecipe('--data', path, a, b);
  else if (a || b) {
    throw new FormatError(path, a ? `the model was trained on ${a.encoder.arch} features recap made, but --data ${loaded.choice.data} holds features from elsewhere`
      : `the model was trained on features from elsewhere, but --data ${loaded.choice.data} holds ${b!.encoder.arch} features recap made`);
  }
}

export type Split = 'train' | 'val' | 'test';

/** --split test needs data with a test split (Karpathy-split data: prepared:FILE, karpathy:JSON). */
export function checkSplit(loaded: Loaded, split: Split, command: string): void {
  if (split === 'test' && !loaded.data.testCaptions) {
    throw new UsageError(`--split test: --data ${loaded.choice.data} has no test split (Karpathy-split data have one: prepared:FILE, karpathy:JSON)`, command);
  }
}

export function splitOf(data: CaptionData, split: Split) {
  if (split === 'test') return { captions: data.testCaptions!, imageIdxs: data.testImageIdxs!, features: data.testFeatures!, urls: undefined };
  return split === 'train'
    ? { captions: data.trainCaptions, imageIdxs: data.trainImageIdxs, features: data.trainFeatures, urls: data.trainUrls }
    : { captions: data.valCaptions, imageIdxs: data.valImageIdxs, features: data.valFeatures, urls: data.valUrls };
}

/** Ground-truth captions (special tokens stripped) of every image that has some. */
export function referencesByImage(data: CaptionData, split: Split): Map<number, string[][]> {
  const s = splitOf(data, split);
  const decoded = decodeCaptions(s.captions, data.idxToWord) as string[];
  const refs = new Map<number, string[][]>();
  for (let r = 0; r < decoded.length; r++) {
    const img = s.imageIdxs.data[r];
    let list = refs.get(img);
    if (!list) refs.set(img, (list = []));
    list.push(stripSpecialTokens(decoded[r]));
  }
  return refs;
}

export function featureRows(features: Tensor, rows: readonly number[]): Tensor {
  const D = features.shape[1];
  const out = new Float32Array(rows.length * D);
  rows.forEach((img, i) => out.set(features.data.subarray(img * D, (img + 1) * D), i * D));
  return new Tensor(out, [rows.length, D]);
}

/** Captions (words, special tokens stripped) for feature rows `rows`, in chunks of 500 images. */
export function caption(model: CaptioningRNN, features: Tensor, rows: readonly number[], maxLength: number, opts: { beamSize?: number; temperature?: number; seed?: number } = {}): string[][] {
  const out: string[][] = [];
  for (let a = 0; a < rows.length; a += 500) {
    const chunk = rows.slice(a, a + 500);
    const tokens = model.sample(featureRows(features, chunk), { maxLength, ...opts });
    for (const c of decodeCaptions(tokens, model.idxToWord) as string[]) out.push(stripSpecialTokens(c));
  }
  return out;
}

export function maxLengthOf(data: CaptionData): number {
  return data.trainCaptions.shape[1] - 1;
}

/** `count` distinct images of the split that have captions, in a seeded random order. */
export function pickImages(data: CaptionData, split: Split, count: number, seed: number): number[] {
  const images = [...referencesByImage(data, split).keys()].sort((a, b) => a - b);
  const perm = new LegacyRandom(seed).permutation(images.length);
  return Array.from(perm.subarray(0, Math.min(count, images.length)), (i) => images[i]);
}

export function imageUrl(loaded: Loaded, split: Split, img: number): string | null {
  if (loaded.shapes) {
    const scene = (split === 'train' ? loaded.shapes.trainScenes : loaded.shapes.valScenes)[img];
    const im = renderScene(scene, 96);
    return pngDataUrl(encodePng(im.data, im.width, im.height, 4));
  }
  const urls = splitOf(loaded.data, split).urls;
  return urls ? urls[img] : null;
}

export async function loadForInference(flags: SampleOptions | EvalOptions, given: ReadonlySet<string>, command: string): Promise<{ ckpt: Checkpoint; loaded: Loaded; o: string }> {
  await init();
  const ckpt = await loadCheckpointFile(flags.checkpoint);
  const choice = chooseData(flags, given, ckpt.meta as Partial<DataChoice>, command);
  const raw = await loadData(choice);
  // a model trained with --encoder cnn reads the features its CNN makes of the split's images
  const loaded = ckpt.encoder ? await encodeWithCheckpointCnn(raw, ckpt.encoder, flags.split as Split, command) : raw;
  checkFits(flags.checkpoint, ckpt, loaded);
  const c = ckpt.model.config;
  const it = typeof ckpt.meta.iteration === 'number' ? `, iteration ${ckpt.meta.iteration}` : ckpt.solverState ? `, iteration ${ckpt.solverState.iteration}` : '';
  return { ckpt, loaded, o: `${flags.checkpoint}: ${c.cellType.toUpperCase()} H=${c.hiddenDim} W=${c.wordvecDim}${it}; ${loaded.description}` };
}
